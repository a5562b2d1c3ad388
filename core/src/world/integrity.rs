//! Stored data integrity (chapter 13, "Stored Data Integrity") of a saved world: each unit's persistent
//! state is saved with an HMAC-SHA256 the firmware checks when the unit powers up (the world loads). A
//! unit whose data was changed outside the simulator (the saved JSON edited by hand) fails the check and
//! comes up halted with the stored-data-integrity fault, as `sim fault flash` leaves it; the factory
//! reset's recovery process brings it back.
//!
//! What is authenticated: everything the unit keeps in its permanent storage, that is its saved object
//! minus [`NOT_STORED`] (the iKey in its port, what runs in its RAM, its surroundings). The tags are kept
//! beside the units, under [`FIELD`], one per unit in the order the world lists them (unit 1 first). A
//! world saved before the tags existed has none: it is trusted, and gets them when it is next saved.

use crate::crypto::hmac_sha256;
use serde_json::{Map, Value};

/// The saved world's field holding the units' tags.
pub(super) const FIELD: &str = "sdi";

/// The firmware's integrity key. A fixed key published in the source, as the vendor's firmware signing
/// key is: a trainer's stand-in that catches an edit, not a security boundary (whoever reads this can
/// compute a tag for an edited world).
const KEY: &[u8] = b"Luna USB HSM 7 simulator: stored data integrity";

/// Parts of a unit's saved object that are not its stored data: the iKey in its port (a physical object),
/// what lives in its volatile memory (a running ceremony and its outcome, the Admin tab, the message on
/// the touchscreen, the session generation, the utilization counters, the applications' session table) and its surroundings (sensors and
/// the warnings they raise).
const NOT_STORED: &[&str] = &[
    "port",
    "running",
    "ped_outcome",
    "admin",
    "flash",
    "generation",
    "utilization",
    "app_sessions",
    "sensors",
    "warnings",
];

/// The tag of one unit's saved object (`hsm` as saved, in JSON).
pub(super) fn tag(hsm: &Value) -> String {
    let stored: Map<String, Value> = match hsm {
        Value::Object(m) => {
            m.iter().filter(|(k, _)| !NOT_STORED.contains(&k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect()
        }
        other => return tag_of(other.to_string().as_bytes()),
    };
    tag_of(Value::Object(stored).to_string().as_bytes())
}

fn tag_of(bytes: &[u8]) -> String {
    hmac_sha256(KEY, &[bytes]).iter().map(|b| format!("{b:02x}")).collect()
}

/// The saved objects of the units in a saved world, unit 1 first.
fn units(world: &Value) -> Vec<&Value> {
    let first = world.get("hsm").into_iter();
    let more = world.get("more").and_then(Value::as_array).into_iter().flatten().filter_map(|u| u.get("hsm"));
    first.chain(more).collect()
}

/// Adds the units' tags to a world about to be saved.
pub(super) fn seal(world: &mut Value) {
    let tags: Vec<Value> = units(world).into_iter().map(|hsm| Value::String(tag(hsm))).collect();
    if let Value::Object(m) = world {
        m.insert(FIELD.into(), Value::Array(tags));
    }
}

/// Takes the tags out of a saved world and checks each unit's: for each unit (unit 1 first), whether its
/// stored data failed the check. A world without tags (saved before they existed) passes; a world with
/// tags whose list lacks a unit's, or holds something else than a tag, fails that unit.
pub(super) fn check(world: &mut Value) -> Vec<bool> {
    let saved = world.as_object_mut().and_then(|m| m.remove(FIELD));
    let units = units(world);
    let Some(saved) = saved else { return vec![false; units.len()] };
    let saved = saved.as_array().cloned().unwrap_or_default();
    units
        .into_iter()
        .enumerate()
        .map(|(i, hsm)| saved.get(i).and_then(Value::as_str) != Some(tag(hsm).as_str()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn a_tag_covers_stored_data_and_not_what_is_volatile_or_physical() {
        let mut world = json!({ "hsm": { "serial": "1", "policies": { "0": 1 }, "flash": null, "port": null } });
        seal(&mut world);
        assert_eq!(check(&mut world.clone()), vec![false]);
        let mut moved_key = world.clone();
        moved_key["hsm"]["port"] = json!({ "id": 3 });
        moved_key["hsm"]["flash"] = json!("Power restored.");
        assert_eq!(check(&mut moved_key), vec![false], "the iKey in the port and the screen are not stored data");
        let mut edited = world.clone();
        edited["hsm"]["policies"]["0"] = json!(0);
        assert_eq!(check(&mut edited), vec![true]);
        let mut untagged = edited.clone();
        untagged.as_object_mut().map(|m| m.remove(FIELD));
        assert_eq!(check(&mut untagged), vec![false], "a world saved before the tags is trusted");
        let mut short = world.clone();
        short["more"] = json!([{ "hsm": { "serial": "2" } }]);
        assert_eq!(check(&mut short), vec![false, true], "a unit without its tag fails");
        assert!(short.get(FIELD).is_none(), "the tags are taken out before the world is read");
    }
}
