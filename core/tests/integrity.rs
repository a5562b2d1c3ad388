//! Chapter 13's stored data integrity for saved worlds: a unit whose saved data was edited outside the
//! simulator comes up halted, as a corrupted flash leaves it, and the factory reset's recovery process
//! brings it back; an unedited world, and worlds saved before the check existed, load as they were.

mod common;

use common::{fails, ok, Session};
use hsm_core::World;
use serde_json::Value;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

/// An initialized unit with a partition and an Auditor logging every event to /var/audit, saved.
fn saved_unit() -> (Session, String) {
    let mut s = Session::new();
    s.recover_new_unit();
    s.run(&[
        "role init -name au -password audpass1",
        "role login -name au -password audpass1",
        "role setdomain -name au -domain auditdomain1",
        "audit config path /var/audit evmask all force",
        "role logout",
    ]);
    s.hard_init("integrity", "sopass12");
    ok(&s.run(&["role login -name so -password sopass12", "partition create -force"]));
    let saved = s.world.to_json();
    (s, saved)
}

/// The saved world with `edit` applied to its text as JSON.
fn edited(saved: &str, edit: impl FnOnce(&mut Value)) -> String {
    let mut v: Value = serde_json::from_str(saved).unwrap();
    edit(&mut v);
    v.to_string()
}

/// Loads a saved world into a new LunaCM session.
fn load(text: &str) -> Session {
    let mut world = World::from_json(text).expect("the world loads");
    let transcript = world.start_session(common::NOW);
    Session { world, transcript, last: String::new() }
}

#[test]
fn an_unedited_world_loads_running() {
    let (s, saved) = saved_unit();
    assert!(saved.contains("\"sdi\":[\""), "the saved world carries the units' tags");
    let again = load(&saved);
    assert!(again.world.hsm().halt().is_none());
    assert_eq!(again.world.hsm().policies(), s.world.hsm().policies());
    assert_eq!(again.world.hsm().events(), s.world.hsm().events());
}

#[test]
fn a_hand_edited_world_comes_up_halted_and_the_recovery_process_brings_it_back() {
    let (_, saved) = saved_unit();
    // Someone turns HSM policy 15 (SO can reset partition PIN) on in the saved file.
    let text = edited(&saved, |v| v["hsm"]["policies"]["values"]["15"] = Value::from(1));
    assert_ne!(text, saved);
    let mut s = load(&text);
    assert!(s.world.hsm().halt().is_some(), "an edit of stored data halts the unit");
    let listing = s.enter("slot list");
    assert!(listing.contains("Halted, stored data integrity failure"), "{listing}");
    fails(&s.enter("role login -name so -password sopass12"), "CKR_DEVICE_ERROR");
    // The halt is stored data too: saved and loaded again, the unit is still halted.
    let again = load(&s.world.to_json());
    assert!(again.world.hsm().halt().is_some());
    // The failure is in the audit log, as a failed self test, once the unit has a clock.
    let log: String = s.world.files().iter().filter(|(n, _)| n.ends_with(".log")).map(|(_, t)| t.to_string()).collect();
    assert!(log.contains("LUNA_SELF_TEST") && log.contains("permanent storage integrity check failed"), "{log}");
    // Chapter 13: the factory reset runs the recovery process; then the unit is factory reset.
    s.enter("hsm factoryreset -force");
    s.enter("sim clock advance 400");
    let listing = s.enter("slot list");
    assert!(listing.contains("HSM Status ->           Zeroized"), "{listing}");
    assert!(s.world.hsm().halt().is_none() && s.world.hsm().partition().is_none());
    check_golden!("saved_world_edited_by_hand", &s.transcript);
}

#[test]
fn what_is_not_stored_data_may_change_and_a_world_without_tags_is_trusted() {
    let (_, saved) = saved_unit();
    // The temperature around the unit is not its stored data.
    let warm = edited(&saved, |v| v["hsm"]["sensors"]["temperature_dc"] = Value::from(300));
    assert!(World::from_json(&warm).unwrap().hsm().halt().is_none());
    // A world saved before the tags existed: no tags, whatever it holds.
    let untagged = edited(&saved, |v| {
        v.as_object_mut().unwrap().remove("sdi");
        v["hsm"]["so_failed_total"] = Value::from(5);
    });
    let world = World::from_json(&untagged).unwrap();
    assert!(world.hsm().halt().is_none());
    // Saved again, it carries tags and loads running.
    assert!(World::from_json(&world.to_json()).unwrap().hsm().halt().is_none());
    for old in [include_str!("fixtures/world-v1-password.json"), include_str!("fixtures/world-v1-multifactor.json")] {
        let world = World::from_json(old).expect("a version 1 world loads");
        assert!(world.hsm().halt().is_none());
        assert!(World::from_json(&world.to_json()).unwrap().hsm().halt().is_none());
    }
    // A damaged tag list fails the units it does not vouch for; a world that is not JSON is still refused.
    let no_tag = edited(&saved, |v| v["sdi"] = Value::from("nonsense"));
    assert!(World::from_json(&no_tag).unwrap().hsm().halt().is_some());
    assert!(World::from_json("{\"schema\":2,").is_err());
    // An edit the device's rules never produce (an over-long label) is no longer refused: the unit halts.
    let long = edited(&saved, |v| v["hsm"]["lifecycle"]["Initialized"]["label"] = Value::from("x".repeat(40)));
    let world = World::from_json(&long).expect("the unit halts instead");
    assert!(world.hsm().halt().is_some());
}
