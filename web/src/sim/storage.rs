//! Saving the world, and the other tabs: the worker says what to save after each change (the world in
//! localStorage, the host files that changed in the file store); another tab's change is taken over,
//! keeping this tab's LunaCM session.

use super::*;


impl Sim {
    /// Another tab saved `raw`: take it over, unless it is what this tab already has.
    pub fn adopt_from_other_tab(&self, raw: String) {
        if self.own_seed.with_value(Option::is_some) {
            return;
        }
        let ours = self.known.with_value(|known| known.as_ref().and_then(JsValue::as_string).as_deref() == Some(&raw));
        if ours || self.adopting.get_value() {
            return;
        }
        let sim = *self;
        self.adopt(raw, move |adopted| {
            if let Some(adopted) = adopted {
                sim.notice.set(Some(Notice::info(format!(
                    "Another tab changed the simulator: this tab reloaded that change (revision {}) and kept its \
                     LunaCM session. {}",
                    adopted.revision,
                    adopted.words()
                ))));
            }
        });
    }

    /// Another tab removed the saved world (it set an unusable value aside, or storage was cleared):
    /// nothing of anyone's is there, so this tab's world is saved again with its next change or command.
    pub fn forget_saved(&self) {
        self.known.set_value(None);
    }

    /// Stored text that this tab neither loaded nor wrote. A key that disappeared does not count: there
    /// is nothing of anyone's to overwrite.
    pub(super) fn written_elsewhere(&self) -> Option<String> {
        if self.own_seed.with_value(Option::is_some) {
            return None;
        }
        let stored = persistence::read_value()?;
        let ours = self.known.with_value(|known| known.as_ref() == Some(&stored));
        if ours {
            return None;
        }
        stored.as_string()
    }

    /// Takes over a world another tab saved: its files are read from the file store (if it keeps them
    /// there), then the worker loads it, keeping this tab's LunaCM session. Meanwhile this tab changes
    /// and saves nothing. `done` is told what the change did to the session, or `None` if the world was
    /// not replaced.
    pub(super) fn adopt(&self, raw: String, done: impl FnOnce(Option<Adopted>) + 'static) {
        self.adopting.set_value(true);
        self.adopted.set_value(Some(Box::new(done)));
        // Known at once: the storage event and the next tick must not take the same change over twice.
        self.known.set_value(Some(JsValue::from_str(&raw)));
        let db = self.db.get_value().filter(|_| persistence::file_index(&raw).is_some());
        let Some(db) = db else {
            self.post(ToCore::Adopt { raw, files: BTreeMap::new() });
            return;
        };
        let sim = *self;
        wasm_bindgen_futures::spawn_local(async move {
            match crate::filestore::read_all(&db).await {
                Ok(files) => sim.post(ToCore::Adopt { raw, files }),
                Err(err) => {
                    // This tab keeps its world; the other tab's stays saved, for a reload to pick up.
                    sim.notice.set(Some(Notice::error(format!(
                        "Another tab changed the simulator, but its host files could not be read ({err}). This \
                         tab keeps its own state; reload the page to see the other tab's."
                    ))));
                    sim.finish_adopting(None);
                }
            }
        });
    }

    /// Taking another tab's change over ended: taken (`Some`, with what it did to the session) or not.
    pub(super) fn finish_adopting(&self, adopted: Option<Adopted>) {
        self.adopting.set_value(false);
        if let Some(done) = self.adopted.try_update_value(Option::take).flatten() {
            done(adopted);
        }
    }

    /// The worker could not load what another tab saved: it is set aside, and this tab keeps (and will
    /// save) its own world.
    pub(super) fn not_adopted(&self, err: &str) {
        let raw = self.known.with_value(|k| k.as_ref().and_then(JsValue::as_string)).unwrap_or_default();
        let kept = persistence::set_aside(&raw);
        self.known.set_value(None);
        let copy = if kept { format!(" It was kept under \"{REJECTED_KEY}\".") } else { String::new() };
        self.notice.set(Some(Notice::error(format!(
            "Another tab saved a simulator state this tab cannot load: {err}.{copy} This tab keeps its own \
             state and saves it with the next change."
        ))));
    }

    /// Saves what the worker says changed (`hsm-worker` sends it as strings beside its reply: the world,
    /// then each changed host file's name and text, `null` for a deleted one): the host files into the file
    /// store (see [`Sim::write_files`]), the world, with their names, into localStorage. The strings go
    /// from the worker to storage as they are, never copied into the page's memory nor parsed. A failure
    /// is shown, not fatal. Nothing is saved while the saved world's files could not be read.
    ///
    /// A tab that reads the world and then the files gets them after a write under way: the file store
    /// orders its transactions.
    pub(super) fn save(&self, save: js_sys::Array) {
        if !self.may_save.get_value() {
            return;
        }
        let raw = save.get(0);
        if save.length() > 1 {
            self.files_pending.update_value(|pending| {
                for i in (1..save.length()).step_by(2) {
                    if let Some(name) = save.get(i).as_string() {
                        let text = save.get(i + 1);
                        pending.insert(name, text.is_string().then_some(text));
                    }
                }
            });
            self.write_files();
        }
        match persistence::write(&raw) {
            Ok(()) => self.known.set_value(Some(raw)),
            Err(err) => self.notice.set(Some(Notice::error(format!(
                "The simulator state could not be saved: {err}. It lives on in this tab until it is closed."
            )))),
        }
    }

    /// Writes the files waiting for the file store, unless a write is under way: then they wait for it
    /// to end, and go in one write. A file that could not be written is sent again with the next save.
    fn write_files(&self) {
        let Some(db) = self.db.get_value() else { return };
        if self.files_writing.get_value() {
            return;
        }
        let writes: Vec<(String, Option<JsValue>)> =
            self.files_pending.try_update_value(std::mem::take).unwrap_or_default().into_iter().collect();
        if writes.is_empty() {
            return;
        }
        self.files_writing.set_value(true);
        let sim = *self;
        wasm_bindgen_futures::spawn_local(async move {
            let names: Vec<String> = writes.iter().map(|(n, _)| n.clone()).collect();
            let written = crate::filestore::write(&db, writes).await;
            sim.files_writing.set_value(false);
            if let Err(err) = written {
                sim.post(ToCore::FilesUnsaved { names });
                sim.notice.set(Some(Notice::error(format!(
                    "The host files could not be saved: {err}. They live on in this tab, which tries again \
                     with the next change; until then a reload would show them as last saved."
                ))));
            }
            sim.write_files();
        });
    }
}
