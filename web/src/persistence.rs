//! The world in the browser's localStorage: one key holding the world, written after every change and
//! read at start-up, plus the `storage` event that tells this tab another tab wrote it. The host's files
//! are kept apart, in IndexedDB ([`crate::filestore`]); the key holds their names
//! (`World::to_json_file_index`). A world saved whole by an earlier version, files inline, still loads.
//!
//! Unusable saved state (corrupt JSON, another schema version) is never dropped silently: its raw text
//! is kept under [`REJECTED_KEY`] and the user is told why it was refused.

use gloo_storage::{LocalStorage, Storage};
use leptos::prelude::*;
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

/// Saves `raw`, a world's `World::to_json_file_index` (or `World::to_json` without a file store).
pub fn write(raw: &str) -> Result<(), String> {
    if !available() {
        return Err("this browser gives the page no localStorage".into());
    }
    LocalStorage::raw().set_item(WORLD_KEY, raw).map_err(|err| {
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
