//! The forms a world is written in. Everything a world holds is saved in [`Form::Full`]; two lighter
//! forms leave out the parts that grow without bound (the host's files, the HSM's stored log records),
//! so that a world holding tens of thousands of log records costs each LunaCM line no more than a small
//! one:
//! - [`Form::Fingerprint`]: what [`World::enter`](crate::World::enter) compares before and after a line to
//!   tell a real change from none; the big parts appear only as change counters.
//! - [`Form::FileIndex`]: what a front end saves beside the files it keeps under their own names; the
//!   host's files appear as the list of their names.

use std::cell::Cell;

/// How much of a world is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// Everything.
    Full,
    /// Everything small; the host's files and the stored log records as change counters.
    Fingerprint,
    /// Everything but the host files' contents: their names only.
    FileIndex,
}

thread_local! {
    static FORM: Cell<Form> = const { Cell::new(Form::Full) };
}

/// The form being written now.
pub fn form() -> Form {
    FORM.with(Cell::get)
}

/// Runs `f` (a serialization) in `form`, and returns to the full form afterwards.
pub fn with_form<R>(form: Form, f: impl FnOnce() -> R) -> R {
    struct Restore(Form);
    impl Drop for Restore {
        fn drop(&mut self) {
            FORM.with(|c| c.set(self.0));
        }
    }
    let _restore = Restore(FORM.with(|c| c.replace(form)));
    f()
}
