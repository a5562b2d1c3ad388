//! The Web Worker that runs the simulator's world ([`hsm_core::worker::Engine`]) beside the page: it
//! reads the page's messages (JSON [`Message`]s), answers each in JSON ([`hsm_core::worker::ToPage`]), and
//! says "ready" first (the page holds its messages until then: a worker drops what comes before its
//! handler is set). The message "bench" measures the mechanisms instead (`hsm_core::crypto::bench`,
//! for `e2e/report-crypto.mjs`), answered with `{"bench": [figures]}`.

use std::cell::RefCell;
use std::rc::Rc;

use hsm_core::worker::{Engine, Message, ToCore};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

fn main() {
    console_error_panic_hook::set_once();
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let engine: Rc<RefCell<Option<Engine>>> = Rc::default();
    let reply_to = scope.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
        let Some(text) = ev.data().as_string() else { return };
        if text == "bench" {
            let figures = hsm_core::crypto::bench::run(js_sys::Date::now, 1000.0);
            let text = serde_json::json!({ "bench": figures }).to_string();
            let _ = reply_to.post_message(&text.into());
            return;
        }
        // The page and this worker are built together: a message that does not parse is a bug, and
        // ignoring it would leave the page waiting; panicking reaches the page's error handler.
        let Message { now, msg } = serde_json::from_str(&text).expect("the page's message parses");
        let mut engine = engine.borrow_mut();
        let reply = match (msg, engine.as_mut()) {
            (ToCore::Open { saved, files, file_store, seed }, _) => {
                let (opened, reply) = Engine::open(saved, files, file_store, seed, now);
                *engine = Some(opened);
                reply
            }
            (msg, Some(engine)) => engine.handle(msg, now),
            // Nothing comes before Open: the page sends it first.
            (_, None) => return,
        };
        if !reply.is_empty() {
            let text = serde_json::to_string(&reply).expect("a reply serializes");
            let _ = reply_to.post_message(&text.into());
        }
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    let _ = scope.post_message(&"ready".into());
}
