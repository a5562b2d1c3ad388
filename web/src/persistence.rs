//! The world in the browser's localStorage: one key holding the world, written after every change and
//! read at start-up, plus the `storage` event that tells this tab another tab wrote it. The host's files
//! are kept apart, in IndexedDB ([`crate::filestore`]); the key holds their names
//! (`World::to_json_file_index`). A world saved whole by an earlier version, files inline, still loads.
//!
//! Unusable saved state (corrupt JSON, another schema version) is never dropped silently: its raw text
//! is kept under [`REJECTED_KEY`] and the user is told why it was refused.

use gloo_storage::{LocalStorage, Storage};
use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::sim::Sim;

/// Where the world is saved.
pub const WORLD_KEY: &str = "luna-usb-hsm7-sim/world";
/// Where a saved world that could not be loaded is kept, for the user to inspect or recover.
pub const REJECTED_KEY: &str = "luna-usb-hsm7-sim/world.rejected";

/// Whether this page may use localStorage at all (it can be disabled, or throw in a sandboxed frame).
/// gloo-storage's accessors throw when it is missing, so ask the window first.
pub fn available() -> bool {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten()).is_some()
}

/// The raw saved world, if any.
pub fn read() -> Option<String> {
    if !available() {
        return None;
    }
    LocalStorage::raw().get_item(WORLD_KEY).ok().flatten()
}

/// The names of the host files a saved world keeps apart, if it is saved that way (otherwise its files
/// are inline).
pub fn file_index(raw: &str) -> Option<Vec<String>> {
    let value: serde_json::Value = serde_json::from_str(raw).ok()?;
    let names = value.get("files")?.as_array()?;
    Some(names.iter().filter_map(|n| n.as_str().map(str::to_string)).collect())
}

// `getItem` and `setItem` taking and giving the JavaScript string itself: a world saved after every line
// is a few hundred kilobytes in a big world, and copying it into the page's memory and back on every
// line (to write it, and to see whether another tab wrote since) cost more than the line itself.
#[wasm_bindgen]
extern "C" {
    /// localStorage (a `Storage`), seen through these two methods.
    type Store;
    #[wasm_bindgen(method, catch, js_name = getItem)]
    fn get_item_value(this: &Store, key: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, js_name = setItem)]
    fn set_item_value(this: &Store, key: &str, value: &JsValue) -> Result<(), JsValue>;
}

fn store() -> Store {
    LocalStorage::raw().unchecked_into()
}

/// The raw saved world as the browser's string (`None`: nothing saved), without copying it: compared
/// with [`JsValue`]'s `==` (JavaScript's `===`).
pub fn read_value() -> Option<JsValue> {
    if !available() {
        return None;
    }
    store().get_item_value(WORLD_KEY).ok().filter(|v| v.is_string())
}

/// Keeps `raw` under [`REJECTED_KEY`] and clears [`WORLD_KEY`]. Returns whether the copy was written.
pub fn set_aside(raw: &str) -> bool {
    if !available() {
        return false;
    }
    let storage = LocalStorage::raw();
    let kept = storage.set_item(REJECTED_KEY, raw).is_ok();
    if kept {
        LocalStorage::delete(WORLD_KEY);
    }
    kept
}

/// Saves `raw` (a string), a world's `World::to_json_file_index` (or `World::to_json` without a file
/// store), as the worker sent it.
pub fn write(raw: &JsValue) -> Result<(), String> {
    if !available() {
        return Err("this browser gives the page no localStorage".into());
    }
    store().set_item_value(WORLD_KEY, raw).map_err(|err| {
        // A DOMException (quota exceeded, storage disabled) carries its reason in `message`.
        err.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())).unwrap_or_else(|| format!("{err:?}"))
    })
}

/// Listens for other tabs writing the world and hands their value to [`Sim::adopt_from_other_tab`].
/// Renders nothing. (Browsers send `storage` events to every tab of the origin except the writer.)
#[component]
pub fn StorageSync() -> impl IntoView {
    let sim = expect_context::<Sim>();
    let handle = window_event_listener(leptos::ev::storage, move |ev: web_sys::StorageEvent| {
        if ev.key().as_deref() != Some(WORLD_KEY) {
            return;
        }
        // A removed key (another tab set a bad value aside, or storage was cleared) overwrites nothing
        // of ours: keep the world we have and write it on the next command.
        match ev.new_value() {
            Some(raw) => sim.adopt_from_other_tab(raw),
            None => sim.forget_saved(),
        }
    });
    on_cleanup(move || handle.remove());
}
