//! The host computer's files that LunaCM reads and writes: policy templates today, audit logs and
//! certificates later. They belong to the world (the browser keeps them with it; the native `lunacm` keeps
//! them in its state file), so a template exported on one unit can be applied on another.

use crate::snapshot::{form, Form};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Longest file the host keeps, in bytes.
pub const FILE_MAX: usize = 256 * 1024;
/// Most files the host keeps.
pub const FILES_MAX: usize = 200;
/// Longest file name, in characters.
pub const NAME_MAX: usize = 255;

/// The host's files, by name (a path as the user typed it, e.g. `/usr/safenet/lunaclient/templates/HSMPT`).
#[derive(Clone, Debug, Default)]
pub struct HostFiles {
    /// Each text is shared (`Arc`): a front end keeps the same texts without copying them, and sees a
    /// file changed when its text is no longer the same allocation.
    files: BTreeMap<String, Arc<str>>,
    /// Counts the changes since the files were loaded: how a fingerprint of the world sees them change
    /// without reading them.
    changes: u64,
    /// The value of `changes` when each file last changed (absent: not since loading), so that a front
    /// end that keeps files apart rewrites only those that changed.
    stamps: BTreeMap<String, u64>,
}

/// Two hosts are the same when they hold the same files.
impl PartialEq for HostFiles {
    fn eq(&self, other: &Self) -> bool {
        self.files == other.files
    }
}

impl Eq for HostFiles {}

/// Saved as a map of name to text; in the lighter forms of [`crate::snapshot`], as a change counter or
/// the list of names.
impl Serialize for HostFiles {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match form() {
            Form::Full => self.files.serialize(s),
            Form::Fingerprint => self.changes.serialize(s),
            Form::FileIndex => s.collect_seq(self.files.keys()),
        }
    }
}

impl<'de> Deserialize<'de> for HostFiles {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<HostFiles, D::Error> {
        Ok(HostFiles { files: BTreeMap::deserialize(d)?, changes: 0, stamps: BTreeMap::new() })
    }
}

impl HostFiles {
    /// The text of file `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.files.get(name.trim()).map(|t| &**t)
    }

    /// Writes (or overwrites) file `name`.
    pub fn put(&mut self, name: &str, text: String) -> Result<(), String> {
        let name = check_name(name)?;
        if text.len() > FILE_MAX {
            return Err(format!("'{name}' is {} bytes; the host keeps files up to {FILE_MAX} bytes.", text.len()));
        }
        if !self.files.contains_key(&name) && self.files.len() >= FILES_MAX {
            return Err(format!("The host already holds {FILES_MAX} files: delete one first."));
        }
        self.changes += 1;
        self.stamps.insert(name.clone(), self.changes);
        self.files.insert(name, Arc::from(text));
        Ok(())
    }

    /// Appends `text` to file `name`, creating it if need be (the audit logging daemon's writes).
    pub fn append(&mut self, name: &str, text: &str) -> Result<(), String> {
        let name = check_name(name)?;
        match self.files.get_mut(&name) {
            Some(existing) => {
                if existing.len() + text.len() > FILE_MAX {
                    return Err(format!("'{name}' would exceed {FILE_MAX} bytes."));
                }
                let mut grown = String::with_capacity(existing.len() + text.len());
                grown.push_str(existing);
                grown.push_str(text);
                *existing = Arc::from(grown);
                self.changes += 1;
                self.stamps.insert(name, self.changes);
                Ok(())
            }
            None => self.put(&name, text.to_string()),
        }
    }

    /// Deletes file `name`; returns whether it existed.
    pub fn remove(&mut self, name: &str) -> bool {
        let removed = self.files.remove(name.trim()).is_some();
        if removed {
            self.changes += 1;
            self.stamps.remove(name.trim());
        }
        removed
    }

    /// When file `name` last changed since the files were loaded: 0 if it has not (or does not exist).
    /// A front end that saved it at stamp `n` needs to save it again when this differs.
    pub fn stamp(&self, name: &str) -> u64 {
        self.stamps.get(name.trim()).copied().unwrap_or(0)
    }

    /// Every file, by name, with its text.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.files.iter().map(|(n, t)| (n.as_str(), &**t))
    }

    /// Every file, by name, with its shared text: cloning one does not copy the text.
    pub fn shared(&self) -> impl Iterator<Item = (&str, &Arc<str>)> {
        self.files.iter().map(|(n, t)| (n.as_str(), t))
    }

    /// Checks the files of a loaded world against the limits a world the simulator wrote respects.
    pub fn validate(&self) -> Result<(), String> {
        if self.files.len() > FILES_MAX {
            return Err(format!("the host holds {} files (at most {FILES_MAX})", self.files.len()));
        }
        for (name, text) in &self.files {
            check_name(name).map_err(|e| format!("host file name: {e}"))?;
            if text.len() > FILE_MAX {
                return Err(format!("host file '{name}' is {} bytes (at most {FILE_MAX})", text.len()));
            }
        }
        Ok(())
    }
}

/// A file name: 1 to 255 printable characters, no control characters.
fn check_name(name: &str) -> Result<String, String> {
    let name = name.trim();
    if name.is_empty() {
        return Err("A file name is needed.".into());
    }
    if name.chars().count() > NAME_MAX {
        return Err(format!("A file name has at most {NAME_MAX} characters."));
    }
    if name.chars().any(char::is_control) {
        return Err("A file name cannot hold control characters.".into());
    }
    Ok(name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn files_are_kept_by_trimmed_name_and_limited() {
        let mut f = HostFiles::default();
        f.put(" /tmp/HSMPT ", "6:\"Allow masking\":1\n".into()).unwrap();
        assert_eq!(f.get("/tmp/HSMPT"), Some("6:\"Allow masking\":1\n"));
        assert!(f.put("", String::new()).is_err());
        assert!(f.put("bad\nname", String::new()).is_err());
        assert!(f.put("big", "x".repeat(FILE_MAX + 1)).is_err());
        assert_eq!(f.stamp("/tmp/HSMPT"), 1);
        f.append("/tmp/log", "a").unwrap();
        f.append("/tmp/log", "b").unwrap();
        assert_eq!((f.get("/tmp/log"), f.stamp("/tmp/log"), f.stamp("/tmp/HSMPT")), (Some("ab"), 3, 1));
        assert!(f.append("/tmp/log", &"x".repeat(FILE_MAX)).is_err());
        assert!(f.remove("/tmp/HSMPT"));
        assert!(!f.remove("/tmp/HSMPT"));
        assert_eq!(f.stamp("/tmp/HSMPT"), 0);
        assert!(f.validate().is_ok());
    }
}
