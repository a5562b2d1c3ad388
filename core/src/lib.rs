//! `hsm-core`: a deterministic model of a Thales Luna USB HSM 7, the iKeys around it and the host's LunaCM.
//!
//! The crate has no I/O, no clock and no global randomness: time comes in as an argument and randomness
//! from the seeded RNG that the [`World`] carries, so a LunaCM session replays byte for byte. The browser
//! app (`hsm-web`) and the native `lunacm` binary are thin shells around [`World`].
//!
//! Layers, from the inside out:
//! - [`device`]: the firmware. It answers typed [`device::Request`]s and [`device::PhysicalEvent`]s and
//!   shows a [`device::Screen`]; it never sees LunaCM text.
//! - [`lunacm`]: the host tool. Text in, requests to the device through a [`device::Transport`], text out.
//! - [`sim`]: commands on the simulated world itself (clock, reset), shared by every front end.
//! - [`host`]: the host computer's files (policy templates), which LunaCM reads and writes.
//! - [`hub`]: the host's link to every unit plugged in, numbering their slots in one sequence.
//! - [`portal`]: the vendor's support portal, where signed firmware releases come from.
//! - [`wire`]: the host/device boundary framed for a byte pipe (a socket, USB), both ends.
//! - [`World`]: everything that persists, as one serializable value.

mod calendar;
pub mod crypto;
pub mod demo;
pub mod device;
pub mod host;
pub mod hub;
pub mod ikey;
pub mod labs;
pub mod lunacm;
mod migrate;
pub mod portal;
pub mod retcode;
pub mod sim;
pub mod snapshot;
pub mod view;
pub mod wire;
pub mod worker;
mod world;

pub use world::{IKeyView, LoadError, Settings, Shipment, UnitView, World, SCHEMA_VERSION, UNITS_MAX};

// The unit tests also run as wasm in headless Chromium (`wasm-pack test --headless --chrome`).
#[cfg(all(test, target_arch = "wasm32"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
