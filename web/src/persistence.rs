//! The world in the browser's localStorage: one key holding the world, written after every change and
//! read at start-up, plus the `storage` event that tells this tab another tab wrote it. The host's files
//! are kept apart, in IndexedDB ([`crate::filestore`]); the key holds their names
//! ([`World::to_json_file_index`]). A world saved whole by an earlier version, files inline, still loads.
//!
//! Unusable saved state (corrupt JSON, another schema version) is never dropped silently: its raw text
//! is kept under [`REJECTED_KEY`] and the user is told why it was refused.

use std::collections::BTreeMap;

use gloo_storage::{LocalStorage, Storage};
use hsm_core::World;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::sim::Sim;

/// Where the world is saved.
pub const WORLD_KEY: &str = "luna-usb-hsm7-sim/world";
/// Where a saved world that could not be loaded is kept, for the user to inspect or recover.
pub const REJECTED_KEY: &str = "luna-usb-hsm7-sim/world.rejected";

/// What start-up found in storage.
pub enum Loaded {
    /// Nothing saved yet (or no storage at all).
    Empty,
    /// A world saved earlier, its raw text, and the host files it names that the file store did not
    /// have (they load empty).
    Saved(Box<World>, String, Vec<String>),
    /// A saved value that is not a world this version can load. It has been moved to [`REJECTED_KEY`].
    Rejected {
        /// Why it was refused, in the core's words.
        reason: String,
        /// Whether the copy under [`REJECTED_KEY`] could be written.
        kept: bool,
    },
}

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

/// Loads the saved world, its files from `files` (what the file store holds). A value the core refuses is
/// moved aside (kept under [`REJECTED_KEY`], removed from [`WORLD_KEY`]) so that the next save does not
/// overwrite the only copy.
pub fn load(files: &BTreeMap<String, String>) -> Loaded {
    let Some(raw) = read() else {
        return Loaded::Empty;
    };
    let missing: Vec<String> =
        file_index(&raw).unwrap_or_default().into_iter().filter(|n| !files.contains_key(n)).collect();
    // A file the store lost loads empty, and is named to the user: the rest of the world is not refused
    // for it.
    match World::from_json_with_files(&raw, |name| Some(files.get(name).cloned().unwrap_or_default())) {
        Ok(world) => Loaded::Saved(Box::new(world), raw, missing),
        Err(err) => {
            let kept = set_aside(&raw);
            Loaded::Rejected { reason: err.to_string(), kept }
        }
    }
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

/// Saves `raw`, a world's [`World::to_json_file_index`] (or [`World::to_json`] without a file store).
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
