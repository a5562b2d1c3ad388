//! Every lab of `labs/` at the repository root, embedded so that every front end has them.

use super::{from_value, Lab, LabError};
use serde::Deserialize;

/// The lab files of `labs/`, converted to JSON by the build script: `[{ "file": name, "lab": {...} }]`.
const CATALOGUE: &str = include_str!(concat!(env!("OUT_DIR"), "/labs.json"));

#[derive(Deserialize)]
struct Entry {
    file: String,
    lab: serde_json::Value,
}

fn entries() -> Result<Vec<Entry>, LabError> {
    serde_json::from_str(CATALOGUE).map_err(|e| LabError(format!("the embedded lab catalogue: {e}")))
}

/// The file names of the labs, in the order a trainee takes them.
pub fn names() -> Vec<String> {
    entries().map(|e| e.into_iter().map(|e| e.file).collect()).unwrap_or_default()
}

/// Every lab, read and checked; a broken one is reported with its file name.
pub fn labs() -> Result<Vec<Lab>, LabError> {
    entries()?.into_iter().map(|e| from_value(e.lab).map_err(|err| LabError(format!("{}: {err}", e.file)))).collect()
}

/// The lab with this id.
pub fn find(id: &str) -> Option<Lab> {
    labs().ok()?.into_iter().find(|l| l.id == id)
}
