//! A new version of the app, announced and applied only when the user accepts, and never in the middle
//! of an iKey ceremony or a lab (reloading would end them). The service worker registered in
//! `index.html` has installed the new version and tells the page with the event `luna-update-ready`.

use leptos::prelude::*;
use wasm_bindgen::prelude::*;

use crate::sim::Sim;

/// Tells the waiting service worker to take over; `index.html` reloads the page when it has.
fn apply() {
    let window = window();
    let _ = js_sys::Reflect::set(&window, &"lunaUpdateAccepted".into(), &JsValue::TRUE);
    if let Ok(f) = js_sys::Reflect::get(&window, &"lunaApplyUpdate".into()) {
        if let Some(f) = f.dyn_ref::<js_sys::Function>() {
            let _ = f.call0(&JsValue::UNDEFINED);
        }
    }
}

/// The announcement of a new version, with its button.
#[component]
pub fn UpdateBar() -> impl IntoView {
    let sim = expect_context::<Sim>();
    let ready = RwSignal::new(false);
    let handle = window_event_listener_untyped("luna-update-ready", move |_| ready.set(true));
    on_cleanup(move || handle.remove());
    // Why not now, if something a reload would end is under way.
    let wait = move || {
        if sim.waiting_for_ped.get() || sim.busy.get() {
            Some("after the iKey operation under way")
        } else if sim.lab.with(|l| l.as_ref().is_some_and(|l| !l.finished())) {
            Some("once you finish or leave the lab")
        } else {
            None
        }
    };
    view! {
        <Show when=move || ready.get()>
            <div class="update-bar" role="status" data-testid="update-bar">
                "A new version of the simulator is ready. Your world is kept."
                <button
                    class="btn btn-small"
                    data-testid="update-apply"
                    prop:disabled=move || wait().is_some()
                    on:click=move |_| apply()
                >
                    {move || match wait() {
                        Some(when) => format!("Update {when}"),
                        None => "Update now".to_string(),
                    }}
                </button>
            </div>
        </Show>
    }
}
