//! The Web Worker that runs the simulator's world ([`hsm_core::worker::Engine`]) beside the page: it
//! reads the page's messages (JSON [`Message`]s), answers each in JSON ([`hsm_core::worker::ToPage`],
//! with what to save beside it: see [`with_save`]), and
//! says "ready" first (the page holds its messages until then: a worker drops what comes before its
//! handler is set). The message "bench" measures the mechanisms instead (`hsm_core::crypto::bench`,
//! for `e2e/report-crypto.mjs`), answered with `{"bench": [figures]}`.
//!
//! The same worker can instead be a training unit at the far end of a USB cable (the device side of
//! [`hsm_core::wire`]), for a page that stands in for WebUSB in tests: `{"device_open": {"seed", "now"}}`
//! makes a factory-fresh unit, `{"device_feed": {"bytes", "now"}}` gives it bytes from the host and is
//! answered with `{"device_out": [bytes]}`, `"device_unplug"` drops the host's session.

use std::cell::RefCell;
use std::rc::Rc;

use hsm_core::wire::device::Endpoint;
use hsm_core::worker::{Engine, Message, Save, ToCore};
use serde_json::Value;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

fn main() {
    console_error_panic_hook::set_once();
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let engine: Rc<RefCell<Option<Engine>>> = Rc::default();
    let unit: Rc<RefCell<Option<Endpoint>>> = Rc::default();
    let reply_to = scope.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
        let Some(text) = ev.data().as_string() else { return };
        if text.starts_with("{\"device_") || text == "\"device_unplug\"" {
            if let Some(out) = device(&mut unit.borrow_mut(), &text) {
                let _ = reply_to.post_message(&out.into());
            }
            return;
        }
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
        let mut reply = match (msg, engine.as_mut()) {
            (ToCore::Open { saved, files, file_store, seed }, _) => {
                let (opened, reply) = Engine::open(saved, files, file_store, seed, now);
                *engine = Some(opened);
                reply
            }
            (msg, Some(engine)) => engine.handle(msg, now),
            // Nothing comes before Open: the page sends it first.
            (_, None) => return,
        };
        let save = reply.save.take();
        if reply.is_empty() && save.is_none() {
            return;
        }
        let text = serde_json::to_string(&reply).expect("a reply serializes");
        let _ = match save {
            Some(save) => reply_to.post_message(&with_save(text, save)),
            None => reply_to.post_message(&text.into()),
        };
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    let _ = scope.post_message(&"ready".into());
}

/// A reply that saves, as an array of strings: the reply's JSON (without the save), the world, then each
/// changed host file's name and text (`null`: deleted). The page writes the strings to storage as they
/// are: a big world's save is hundreds of kilobytes a line, which inside the JSON the page would copy
/// into its memory and parse.
fn with_save(reply: String, save: Save) -> JsValue {
    let message = js_sys::Array::new();
    message.push(&JsValue::from_str(&reply));
    message.push(&JsValue::from_str(&save.raw));
    for (name, text) in save.files {
        message.push(&JsValue::from_str(&name));
        message.push(&text.map_or(JsValue::NULL, |t| JsValue::from_str(&t)));
    }
    message.into()
}

/// One message to the worker as a training unit; the answer to send back, if any.
fn device(unit: &mut Option<Endpoint>, text: &str) -> Option<String> {
    let msg: Value = serde_json::from_str(text).ok()?;
    let now = |v: &Value| v.get("now").and_then(Value::as_u64).unwrap_or(0);
    if let Some(open) = msg.get("device_open") {
        let seed = open.get("seed").and_then(Value::as_u64).unwrap_or(1);
        *unit = Some(Endpoint::new(seed, now(open)));
        return None;
    }
    if let Some(feed) = msg.get("device_feed") {
        let bytes: Vec<u8> = serde_json::from_value(feed.get("bytes")?.clone()).ok()?;
        let out = unit.as_mut()?.feed(&bytes, now(feed));
        return Some(serde_json::json!({ "device_out": out }).to_string());
    }
    if msg.as_str() == Some("device_unplug") {
        unit.as_mut()?.disconnect();
    }
    None
}
