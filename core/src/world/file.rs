//! A world as a file a person keeps, moves and shares: exported from the browser, imported back, read
//! and written by the native `lunacm --state`. The file names its format and version around the saved
//! world (every part of it inline: unit, iKeys, host files, lab progress), so that a file from another
//! program, a newer simulator or a careless edit is told apart and refused with a precise reason.

use serde_json::{json, Value};

use super::World;

/// What a world file says it is.
pub const WORLD_FILE_FORMAT: &str = "luna-usb-hsm7-sim world";
/// The world file format this simulator writes, and the newest it reads.
pub const WORLD_FILE_VERSION: u64 = 1;

impl World {
    /// The world as a world file: its format, version and the whole saved world, indented for people.
    pub fn to_world_file(&self) -> String {
        let world: Value = serde_json::from_str(&self.to_json()).expect("a saved world is JSON");
        let file = json!({ "format": WORLD_FILE_FORMAT, "version": WORLD_FILE_VERSION, "world": world });
        serde_json::to_string_pretty(&file).expect("a JSON value serializes")
    }

    /// Reads a world file, or a saved world as earlier versions wrote it (a state file of the native
    /// `lunacm`, which had no wrapper): every check of [`World::from_json`] applies, so a damaged or
    /// hand-edited world with impossible values is refused, with why.
    pub fn from_world_file(text: &str) -> Result<World, String> {
        let value: Value =
            serde_json::from_str(text).map_err(|e| format!("this is not a world file: it is not JSON ({e})"))?;
        let Some(object) = value.as_object() else {
            return Err("this is not a world file: it holds no JSON object".into());
        };
        let world = match object.get("format") {
            Some(Value::String(f)) if f == WORLD_FILE_FORMAT => {
                let version = object.get("version").and_then(Value::as_u64).ok_or("the world file has no version")?;
                if version > WORLD_FILE_VERSION {
                    return Err(format!(
                        "the world file is format version {version}, from a newer simulator; this one reads versions up to {WORLD_FILE_VERSION}"
                    ));
                }
                object.get("world").ok_or("the world file holds no world")?
            }
            Some(Value::String(other)) => {
                return Err(format!("this file is a \"{other}\", not a world file of this simulator"))
            }
            Some(_) => return Err("this is not a world file of this simulator (its \"format\" is not text)".into()),
            // A bare saved world, as the native lunacm wrote its state before world files existed.
            None if object.contains_key("schema") => &value,
            None => {
                return Err(format!(
                    "this is not a world file of this simulator (it has no \"format\": \"{WORLD_FILE_FORMAT}\")"
                ))
            }
        };
        World::from_json(&world.to_string()).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn changed_world() -> World {
        let mut world = World::new(3, 1_764_000_000_000);
        world.put_file("notes.txt", "kept".into()).unwrap();
        world.enter("stm recover -randomuserstring x", 1_764_000_000_000);
        world.enter("proceed", 1_764_000_000_000);
        world
    }

    #[test]
    fn a_world_file_round_trips_with_its_files() {
        let world = changed_world();
        let file = world.to_world_file();
        assert!(file.starts_with("{\n  \"format\": \"luna-usb-hsm7-sim world\""), "{}", &file[..80]);
        let back = World::from_world_file(&file).unwrap();
        assert_eq!(back.to_json(), world.to_json());
        assert_eq!(back.files().get("notes.txt"), Some("kept"));
        // A state file written before world files existed still loads.
        assert_eq!(World::from_world_file(&world.to_json()).unwrap().to_json(), world.to_json());
    }

    #[test]
    fn what_is_not_a_world_file_is_refused_with_why() {
        let refused = |text: &str| World::from_world_file(text).unwrap_err();
        assert!(refused("PK\u{3}\u{4}").contains("not JSON"));
        assert!(refused("[1, 2]").contains("no JSON object"));
        assert!(refused(r#"{"name": "x"}"#).contains("has no \"format\""));
        assert!(refused(r#"{"format": "asciicast v2"}"#).contains("is a \"asciicast v2\""));
        let newer = r#"{"format": "luna-usb-hsm7-sim world", "version": 2, "world": {}}"#;
        assert!(refused(newer).contains("format version 2, from a newer simulator"));
        let file = changed_world().to_world_file();
        // A hand-edit the device's rules never produce.
        let edited = file.replacen("\"label\": \"\"", &format!("\"label\": \"{}\"", "L".repeat(40)), 1);
        assert_ne!(edited, file, "the edit applies");
        assert!(refused(&edited).contains("damaged"), "{}", refused(&edited));
        let newer_schema = file.replacen("\"schema\": 2", "\"schema\": 99", 1);
        assert!(refused(&newer_schema).contains("newer simulator"));
    }
}
