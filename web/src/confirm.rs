//! A confirmation asked in place, beside what it confirms (delete a file, start or restart a lab): the
//! safe choice, Cancel, takes the keyboard when it appears, and Escape backs out.

use leptos::html;
use leptos::prelude::*;

/// The question and its two buttons. Test ids are `{id}-dialog`, `{id}-cancel` and `{id}-confirm`.
#[component]
pub fn InlineConfirm(
    /// Prefix of the test ids and of the question's element id.
    id: &'static str,
    /// The question.
    #[prop(into)]
    text: String,
    /// The confirming button's text.
    confirm_label: &'static str,
    /// The confirming button's style: `btn-primary` or `btn-danger`.
    confirm_class: &'static str,
    /// Extra classes of the box.
    #[prop(optional)]
    class: &'static str,
    /// Cancel, or Escape.
    on_cancel: Callback<()>,
    /// The confirming button.
    on_confirm: Callback<()>,
) -> impl IntoView {
    let cancel = NodeRef::<html::Button>::new();
    Effect::new(move |_| {
        if let Some(cancel) = cancel.get() {
            let _ = cancel.focus();
        }
    });
    view! {
        <div
            class=format!("file-confirm {class}")
            data-testid=format!("{id}-dialog")
            role="alertdialog"
            aria-labelledby=format!("{id}-text")
            on:keydown=move |ev| {
                if ev.key() == "Escape" {
                    on_cancel.run(());
                }
            }
        >
            <p id=format!("{id}-text")>{text}</p>
            <button
                class="btn btn-small"
                data-testid=format!("{id}-cancel")
                node_ref=cancel
                on:click=move |_| on_cancel.run(())
            >
                "Cancel"
            </button>
            <button
                class=format!("btn btn-small {confirm_class}")
                data-testid=format!("{id}-confirm")
                on:click=move |_| on_confirm.run(())
            >
                {confirm_label}
            </button>
        </div>
    }
}

/// The same question as a modal dialog over the page (reset the simulator, replace it with a file), with
/// a title. Test ids are `{id}-dialog`, `{id}-cancel` and `{id}-confirm`; Cancel takes the keyboard.
#[component]
pub fn ConfirmDialog(
    /// Prefix of the test ids and of the title's element id.
    id: &'static str,
    /// The title: the question.
    title: &'static str,
    /// What confirming does.
    children: Children,
    /// The confirming button's text.
    confirm_label: &'static str,
    /// Cancel, or Escape.
    on_cancel: Callback<()>,
    /// The confirming button.
    on_confirm: Callback<()>,
) -> impl IntoView {
    let cancel = NodeRef::<html::Button>::new();
    Effect::new(move |_| {
        if let Some(cancel) = cancel.get() {
            let _ = cancel.focus();
        }
    });
    view! {
        <div class="dialog-backdrop">
            <div
                class="dialog"
                role="dialog"
                aria-modal="true"
                aria-labelledby=format!("{id}-title")
                data-testid=format!("{id}-dialog")
                on:keydown=move |ev| {
                    if ev.key() == "Escape" {
                        on_cancel.run(());
                    }
                }
            >
                <h2 id=format!("{id}-title")>{title}</h2>
                <p>{children()}</p>
                <div class="dialog-actions">
                    <button class="btn" data-testid=format!("{id}-cancel") node_ref=cancel on:click=move |_| on_cancel.run(())>
                        "Cancel"
                    </button>
                    <button class="btn btn-danger" data-testid=format!("{id}-confirm") on:click=move |_| on_confirm.run(())>
                        {confirm_label}
                    </button>
                </div>
            </div>
        </div>
    }
}
