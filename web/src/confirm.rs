//! A confirmation asked in place, beside what it confirms (delete a file, start or restart a lab), or as
//! a modal dialog: the safe choice, Cancel, takes the keyboard when it appears, Escape backs out, and the
//! keyboard goes back to what had it before (the button that asked) once the question is gone. A modal
//! dialog keeps the keyboard inside while it is open.

use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// What can take the keyboard inside a dialog, in the order Tab visits it.
const FOCUSABLE: &str = "button:not([disabled]), [href], input:not([disabled]), select:not([disabled]), \
                         textarea:not([disabled]), [tabindex]:not([tabindex=\"-1\"])";

/// The element that has the keyboard now, if any but the page itself.
fn focused_element() -> Option<web_sys::HtmlElement> {
    document()
        .active_element()
        .filter(|el| !el.tag_name().eq_ignore_ascii_case("body"))
        .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok())
}

/// Gives the keyboard back to `opener` once the question has gone, unless something else has taken it
/// meanwhile (the terminal, after a reset) or the opener went with the question (a lab that started).
fn give_focus_back(opener: Option<web_sys::HtmlElement>) {
    let Some(opener) = opener else { return };
    request_animation_frame(move || {
        if focused_element().is_none() && opener.is_connected() {
            let _ = opener.focus();
        }
    });
}

/// Runs `callback`, then gives the keyboard back to `opener`.
fn closing(opener: StoredValue<Option<web_sys::HtmlElement>, LocalStorage>, callback: Callback<()>) {
    let opener = opener.get_value();
    callback.run(());
    give_focus_back(opener);
}

/// Keeps Tab and Shift+Tab inside `dialog`: past its last element the keyboard goes to its first, and
/// back from its first to its last.
fn trap_tab(dialog: &web_sys::Element, ev: &web_sys::KeyboardEvent) {
    let Ok(list) = dialog.query_selector_all(FOCUSABLE) else { return };
    let items: Vec<web_sys::HtmlElement> =
        (0..list.length()).filter_map(|i| list.item(i)?.dyn_into::<web_sys::HtmlElement>().ok()).collect();
    let (Some(first), Some(last)) = (items.first(), items.last()) else { return };
    let active = document().active_element();
    let inside = active.as_ref().is_some_and(|a| dialog.contains(Some(a)));
    let at = |el: &web_sys::HtmlElement| active.as_ref().is_some_and(|a| a.is_same_node(Some(el)));
    if ev.shift_key() && (at(first) || !inside) {
        ev.prevent_default();
        let _ = last.focus();
    } else if !ev.shift_key() && (at(last) || !inside) {
        ev.prevent_default();
        let _ = first.focus();
    }
}

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
    let opener = StoredValue::new_local(focused_element());
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
                    closing(opener, on_cancel);
                }
            }
        >
            <p id=format!("{id}-text")>{text}</p>
            <button
                class="btn btn-small"
                data-testid=format!("{id}-cancel")
                node_ref=cancel
                on:click=move |_| closing(opener, on_cancel)
            >
                "Cancel"
            </button>
            <button
                class=format!("btn btn-small {confirm_class}")
                data-testid=format!("{id}-confirm")
                on:click=move |_| closing(opener, on_confirm)
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
    let dialog = NodeRef::<html::Div>::new();
    let opener = StoredValue::new_local(focused_element());
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
                node_ref=dialog
                on:keydown=move |ev| match ev.key().as_str() {
                    "Escape" => closing(opener, on_cancel),
                    "Tab" => {
                        if let Some(dialog) = dialog.get_untracked() {
                            trap_tab(&dialog, &ev);
                        }
                    }
                    _ => {}
                }
            >
                <h2 id=format!("{id}-title")>{title}</h2>
                <p>{children()}</p>
                <div class="dialog-actions">
                    <button class="btn" data-testid=format!("{id}-cancel") node_ref=cancel on:click=move |_| closing(opener, on_cancel)>
                        "Cancel"
                    </button>
                    <button class="btn btn-danger" data-testid=format!("{id}-confirm") on:click=move |_| closing(opener, on_confirm)>
                        {confirm_label}
                    </button>
                </div>
            </div>
        </div>
    }
}
