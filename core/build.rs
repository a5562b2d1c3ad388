//! Turns the lab files of `labs/` (TOML, written by people) into one JSON catalogue embedded in the
//! crate, so that every front end has the labs and the browser's wasm reads them with serde_json
//! instead of carrying a TOML parser. A lab file that is not TOML stops the build with its name.

use std::path::Path;

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../labs");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("labs/: {e}"))
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    names.sort();
    let mut catalogue = Vec::new();
    for name in names {
        let path = dir.join(&name);
        println!("cargo:rerun-if-changed={}", path.display());
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("labs/{name}: {e}"));
        let value: toml::Value = toml::from_str(&text).unwrap_or_else(|e| panic!("labs/{name} is not TOML: {e}"));
        let value = serde_json::to_value(value).unwrap_or_else(|e| panic!("labs/{name}: {e}"));
        catalogue.push(serde_json::json!({ "file": name, "lab": value }));
    }
    let out = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("labs.json");
    let json = serde_json::to_string(&catalogue).expect("a JSON value serializes");
    std::fs::write(out, json).expect("OUT_DIR is writable");
}
