//! The world written and read back: the saved form (whole, or with the host files kept apart), the
//! lighter fingerprint that tells a change from none, and the checks that refuse a hand-edited world (or,
//! for an edit of a unit's stored data, halt that unit: [`integrity`]).

use super::*;

impl World {
    /// The world in [`Form::Fingerprint`](crate::snapshot::Form::Fingerprint): two fingerprints differ
    /// exactly when the worlds do, without writing out the host's files or the stored log records.
    pub(super) fn fingerprint(&self) -> String {
        crate::snapshot::with_form(crate::snapshot::Form::Fingerprint, || self.to_json())
    }

    /// The saved form of the world without the host files' contents (their names stand in for them),
    /// for a front end that keeps each file under its own name: see [`World::from_json_with_files`].
    pub fn to_json_file_index(&self) -> String {
        crate::snapshot::with_form(crate::snapshot::Form::FileIndex, || self.to_json())
    }

    /// The saved form of the world, with each unit's stored-data tag ([`integrity`]) unless it is the
    /// fingerprint (a tag is a function of what the fingerprint already holds).
    pub fn to_json(&self) -> String {
        if crate::snapshot::form() == crate::snapshot::Form::Fingerprint {
            return serde_json::to_string(self).expect("a world always serializes");
        }
        let mut value = serde_json::to_value(self).expect("a world always serializes");
        integrity::seal(&mut value);
        value.to_string()
    }

    /// Reads a saved world, refusing damaged text and other schema versions with a precise error.
    pub fn from_json(text: &str) -> Result<World, LoadError> {
        World::from_json_with_files(text, |_| None)
    }

    /// Reads a world saved by [`World::to_json_file_index`], whose host files `read` returns by name (a
    /// fully saved world needs none). A file the index names that `read` cannot give is an error: the
    /// world is refused rather than loaded without it.
    pub fn from_json_with_files(text: &str, mut read: impl FnMut(&str) -> Option<String>) -> Result<World, LoadError> {
        let mut value: serde_json::Value = serde_json::from_str(text).map_err(|e| LoadError::Corrupt(e.to_string()))?;
        if let Some(names) = value.get("files").and_then(|f| f.as_array()).cloned() {
            let mut files = serde_json::Map::new();
            for name in names {
                let name = name.as_str().ok_or_else(|| LoadError::Corrupt("a host file name is not text".into()))?;
                let text = read(name)
                    .ok_or_else(|| LoadError::Corrupt(format!("the host file '{name}' it lists is missing")))?;
                files.insert(name.to_string(), serde_json::Value::String(text));
            }
            value["files"] = serde_json::Value::Object(files);
        }
        let found = value
            .get("schema")
            .and_then(|v| v.as_u64())
            .ok_or_else(|| LoadError::Corrupt("no schema version".into()))?;
        if found > u64::from(SCHEMA_VERSION) {
            return Err(LoadError::Version { found, expected: SCHEMA_VERSION });
        }
        // The tags cover the units as saved: checked before a migration rewrites them.
        let failed = integrity::check(&mut value);
        let value = crate::migrate::upgrade(value, found).map_err(LoadError::Corrupt)?;
        let mut world: World = serde_json::from_value(value).map_err(|e| LoadError::Corrupt(e.to_string()))?;
        for (hsm, failed) in world.units_mut().zip(failed) {
            if failed {
                hsm.stored_data_failed();
            }
        }
        world.validate().map_err(LoadError::Corrupt)?;
        Ok(world)
    }

    /// Checks what the device's own rules never produce, so that a hand-edited saved world is refused
    /// rather than shown: an over-long label, two iKeys with the same id, two units with one serial number,
    /// and the like.
    pub fn validate(&self) -> Result<(), String> {
        validate_unit(&self.hsm, &self.shipment)?;
        if self.unit_count() > UNITS_MAX {
            return Err(format!("the world holds {} units (at most {UNITS_MAX})", self.unit_count()));
        }
        let mut serials = std::collections::HashSet::from([self.hsm.serial()]);
        for (i, unit) in self.more.iter().enumerate() {
            validate_unit(&unit.hsm, &unit.shipment).map_err(|e| format!("unit {}: {e}", i + 2))?;
            if !serials.insert(unit.hsm.serial()) {
                return Err(format!("two units have the serial number {}", unit.hsm.serial()));
            }
        }
        if self.front >= self.unit_count() {
            return Err(format!("unit {} is in front, but there are only {} units", self.front + 1, self.unit_count()));
        }
        let mut seen = std::collections::HashSet::new();
        for key in self.tray.keys().iter().chain(self.units().filter_map(Hsm::port)) {
            if !seen.insert(key.id) {
                return Err(format!("iKey {} appears twice", key.id));
            }
            if key.id == 0 || key.id >= self.tray.next_id() {
                return Err(format!(
                    "iKey {} has a number the desk has not given out (the next new iKey is {})",
                    key.id,
                    self.tray.next_id()
                ));
            }
            let n = key.sticker.label.chars().count();
            if n > STICKER_MAX {
                return Err(format!("the sticker of iKey {} has {n} characters (at most {STICKER_MAX})", key.id));
            }
        }
        self.files.validate()?;
        Ok(())
    }
}

/// The checks of [`World::validate`] on one unit and its shipping e-mail. A unit halted by corrupted
/// stored data is only checked against its e-mail: the firmware no longer trusts that data, and its
/// recovery erases it.
fn validate_unit(hsm: &Hsm, shipment: &Shipment) -> Result<(), String> {
    use crate::device::{check_hsm_label, tamper::Halt, SO_LOGIN_ATTEMPTS};
    let info = hsm.info();
    if matches!(hsm.halt(), Some(Halt::FlashCorruption | Halt::Recovering { .. })) {
        return same_serial(&info.serial, shipment);
    }
    let label = &info.label;
    if !label.is_empty() {
        // The device keeps what `check_hsm_label` returns: allowed characters, truncated to the maximum.
        if let Some(c) = label.chars().find(|c| check_hsm_label(&c.to_string()).is_err()) {
            return Err(format!("the HSM label contains {c:?}, which an HSM label may not contain"));
        }
        let (n, max) = (label.chars().count(), check_hsm_label(label).map_or(0, |l| l.chars().count()));
        if n > max {
            return Err(format!("the HSM label has {n} characters (at most {max})"));
        }
    }
    if hsm.zeroized() != label.is_empty() {
        return Err(if label.is_empty() {
            "the HSM is initialized but has no label".into()
        } else {
            "the HSM is zeroized but has a label".into()
        });
    }
    let has_so = hsm.admin_roles().get(crate::device::Role::So).is_some();
    if has_so == hsm.zeroized() {
        return Err(if has_so {
            "the HSM is zeroized but has an HSM SO".into()
        } else {
            "the HSM is initialized but has no HSM SO".into()
        });
    }
    if let Some(p) = hsm.partition() {
        let n = p.label().chars().count();
        if n > crate::device::LABEL_MAX {
            return Err(format!("the partition label has {n} characters (at most {})", crate::device::LABEL_MAX));
        }
    }
    if info.so_failed_logins >= SO_LOGIN_ATTEMPTS {
        return Err(format!(
            "the HSM counts {} failed SO logins in a row; it zeroizes at {SO_LOGIN_ATTEMPTS}",
            info.so_failed_logins
        ));
    }
    same_serial(&info.serial, shipment)
}

/// The serial number on the unit is the one its shipping e-mail names (the label on the case, which no
/// recovery changes).
fn same_serial(serial: &str, shipment: &Shipment) -> Result<(), String> {
    if serial != shipment.serial {
        return Err(format!("the HSM's serial number {serial} is not the {} of its shipping e-mail", shipment.serial));
    }
    Ok(())
}
