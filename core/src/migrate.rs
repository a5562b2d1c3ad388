//! Saved worlds from every earlier format version load: each step rewrites the saved JSON of one version
//! into the next, so a world saved by any earlier simulator (browser or `lunacm` state file) is upgraded,
//! never refused.

use crate::device::policy::Policies;
use serde_json::{json, Map, Value};

/// Upgrades `world` from format version `found` to the current one.
pub fn upgrade(mut world: Value, found: u64) -> Result<Value, String> {
    if found < 2 {
        world = v1_to_v2(world)?;
    }
    stm_recovered_with_outcome(&mut world);
    lab_marks_in_the_emitted_count(&mut world);
    Ok(world)
}

/// Worlds saved before a unit counted the events it ever emitted (`emitted`) start the count from the
/// events they kept, so that it is never less than the log's length. A lab run saved with an index into
/// unit 1's event log (`since_event`) gets instead the count at the event that index pointed to, so it
/// counts exactly the events it counted before; a run that already has the count is left as it is.
fn lab_marks_in_the_emitted_count(world: &mut Value) {
    let before_kept = world.get_mut("hsm").and_then(Value::as_object_mut).map_or(0, settle_emitted);
    for unit in world.get_mut("more").and_then(Value::as_array_mut).into_iter().flatten() {
        if let Some(hsm) = unit.get_mut("hsm").and_then(Value::as_object_mut) {
            settle_emitted(hsm);
        }
    }
    let Some(lab) = world.get_mut("lab").and_then(Value::as_object_mut) else { return };
    if lab.contains_key("since_emitted") {
        return;
    }
    if let Some(index) = lab.get("since_event").and_then(Value::as_u64) {
        lab.remove("since_event");
        lab.insert("since_emitted".into(), json!(before_kept.saturating_add(index)));
    }
}

/// Raises a unit's `emitted` to the number of events it keeps; returns how many it emitted before the
/// oldest one kept.
fn settle_emitted(hsm: &mut Map<String, Value>) -> u64 {
    let kept = hsm.get("events").and_then(Value::as_array).map_or(0, |e| e.len() as u64);
    let emitted = hsm.get("emitted").and_then(Value::as_u64).unwrap_or(0).max(kept);
    hsm.insert("emitted".into(), json!(emitted));
    emitted - kept
}

/// Earlier version 2 worlds logged `StmRecovered` without saying whether the verification string
/// matched; such a recovery is logged as not known to match.
fn stm_recovered_with_outcome(world: &mut Value) {
    let events = world.get_mut("hsm").and_then(|h| h.get_mut("events")).and_then(Value::as_array_mut);
    for stamped in events.into_iter().flatten() {
        if let Some(event) = stamped.get_mut("event").filter(|e| e.as_str() == Some("StmRecovered")) {
            *event = json!({ "StmRecovered": { "matching": false } });
        }
    }
}

/// Version 1 kept the HSM SO as flat fields (`so`, `domain`, `label`, `so_failed_logins`, `logged_in`).
/// Version 2 keeps a lifecycle (zeroized, or initialized with label, domain and partition), a table of
/// admin role records, HSM policies, an event log and the host's files; logins are no longer saved.
fn v1_to_v2(mut world: Value) -> Result<Value, String> {
    let obj = world.as_object_mut().ok_or("the saved world is not an object")?;
    let old = obj.remove("hsm").and_then(|h| match h {
        Value::Object(m) => Some(m),
        _ => None,
    });
    let mut old = old.ok_or("the saved world has no HSM")?;
    let mut take = |k: &str| old.remove(k).unwrap_or(Value::Null);
    let so = take("so");
    let domain = take("domain");
    let label = take("label");
    let failures = take("so_failed_logins");
    let lifecycle = match (&so, &domain) {
        (Value::Null, _) | (_, Value::Null) => json!("Zeroized"),
        _ => json!({ "Initialized": { "label": label, "domain": domain, "partition": null } }),
    };
    let mut admin_roles = Map::new();
    if !so.is_null() {
        admin_roles.insert(
            "So".into(),
            json!({
                "credential": so,
                "challenge": null,
                "failures": failures,
                "lockout": null,
                "must_change": false,
                "activated": false,
            }),
        );
    }
    // A ceremony saved by version 1 named its purposes differently; it is cancelled, as restarting
    // LunaCM cancels one anyway. The iKey in the port stays where it is.
    let running = take("running");
    let mut flash = take("flash");
    if !running.is_null() {
        flash = json!("The iKey operation in progress was cancelled when the simulator was updated.");
    }
    let policies = serde_json::to_value(Policies::hsm_defaults()).map_err(|e| e.to_string())?;
    let hsm = json!({
        "serial": take("serial"),
        "auth": take("auth"),
        "lifecycle": lifecycle,
        "admin_roles": admin_roles,
        "policies": policies,
        "rpv": take("rpv"),
        "so_failed_total": take("so_failed_total"),
        "stm": take("stm"),
        "generation": 0,
        "events": [],
        "port": take("port"),
        "running": null,
        "ped_outcome": null,
        "admin": take("admin"),
        "flash": flash,
    });
    obj.insert("hsm".into(), hsm);
    obj.insert("files".into(), json!({}));
    obj.insert("schema".into(), json!(2));
    Ok(world)
}
