//! `window.luna`: the simulator for scripts on the page (documentation demos, tests, a console): run a
//! LunaCM line and get its output, read the touchscreen and the transcript. Every line goes through the
//! same path as one typed in the terminal, so it shows there, is saved, and follows the other tabs.

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;

use leptos::prelude::*;

use crate::sim::Sim;

/// Sets `name` on `target` to a function made of `f`; the function lives as long as the page.
fn set_fn<F: ?Sized + wasm_bindgen::closure::WasmClosure>(target: &Object, name: &str, f: Closure<F>) {
    let _ = Reflect::set(target, &name.into(), f.as_ref());
    f.forget();
}

/// Installs `window.luna` on the page, backed by `sim`.
pub fn install(sim: Sim) {
    let luna = Object::new();
    // run(line): a Promise of what LunaCM printed after the line's echo, ending with its next prompt;
    // rejected when the line could not be run (another tab's change is taken over first).
    set_fn(
        &luna,
        "run",
        Closure::<dyn Fn(String) -> Promise>::new(move |line: String| {
            Promise::new(&mut |resolve: Function, reject: Function| {
                let posted = sim.run(&line, move |out| {
                    let _ = resolve.call1(&JsValue::UNDEFINED, &out.into());
                });
                if !posted {
                    let why = sim.notice.with_untracked(|n| n.as_ref().map(|n| n.text.clone())).unwrap_or_default();
                    let _ =
                        reject.call1(&JsValue::UNDEFINED, &js_sys::Error::new(&format!("The line was not run. {why}")));
                }
            })
        }),
    );
    // screen(): what the touchscreen shows now, as a plain object.
    set_fn(
        &luna,
        "screen",
        Closure::<dyn Fn() -> JsValue>::new(move || {
            sim.screen.with_untracked(serde_wasm_bindgen::to_value).unwrap_or(JsValue::NULL)
        }),
    );
    // transcript(): the terminal's text.
    set_fn(
        &luna,
        "transcript",
        Closure::<dyn Fn() -> String>::new(move || sim.transcript.with_untracked(|t| t.text())),
    );
    if let Some(window) = web_sys::window() {
        let _ = Reflect::set(&window, &"luna".into(), &luna);
    }
}
