//! Transcript tests of whole procedures from the admin guide, with a fixed clock and a seeded RNG.

mod common;

use common::Session;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

/// Extracts the value after `label` on the first line that holds it.
fn value_after(text: &str, label: &str) -> String {
    text.lines().find_map(|l| l.split_once(label).map(|(_, v)| v.trim().to_string())).unwrap_or_default()
}

#[test]
fn new_unit_recovered_from_transport_mode() {
    let mut s = Session::new();
    assert!(s.transcript.contains("HSM Status ->           Transport Mode, zeroized"));
    s.enter("slot list");
    let mail = s.enter("sim email");
    let emailed = value_after(&mail, "Verification String:");
    // Initialization is refused while in STM.
    let out = s.run(&["hsm init -label first -ipwd"]);
    assert!(out.contains("CKR_CMD_NOT_ALLOWED_HSM_IN_TRANSPORT"), "{out}");
    // The right string gives the e-mailed verification string; nothing changes until 'proceed'.
    let rus = s.world.shipment().random_user_string.clone();
    let out = s.enter(&format!("stm recover -randomuserstring {rus}"));
    assert_eq!(value_after(&out, "Verification String:"), emailed);
    let out = s.enter("quit");
    assert!(out.contains("User Cancelled Operation"));
    assert!(s.enter("slot list").contains("Transport Mode, zeroized"));
    // A wrong string gives another verification string, and 'proceed' still recovers.
    let out = s.enter("stm recover -r AAAA-BBBB-CCCC-DDDD");
    assert_ne!(value_after(&out, "Verification String:"), emailed);
    let out = s.enter("PROCEED");
    assert!(out.contains("Command Result : No Error"));
    assert!(s.enter("slot list").contains("HSM Status ->           Zeroized"));
    check_golden!("new_unit_recovered_from_transport_mode", &s.transcript);
}

#[test]
fn hard_init_with_password() {
    let mut s = Session::new();
    s.recover_new_unit();
    s.run(&[
        "hsm init -label myLunaUSB -ipwd",
        "userpin1",
        "userpin2", // mismatch: nothing happens
        "hsm init -label myLunaUSB -ipwd -password short",
        "hsm init -label myLunaUSB -ipwd -password userpin1 -domain \"bad|domain\"",
        "HSM INIT -LABEL \"my Luna USB HSM with a label that is far too long\" -IPWD",
        "userpin1",
        "userpin1",
        "my-domain",
        "my-domain",
        "proceed",
    ]);
    assert!(s.last.contains("Command Result : No Error"), "{}", s.last);
    let out = s.enter("slot list");
    assert!(out.contains("Label ->                my Luna USB HSM with a label tha\n"), "label truncated to 32: {out}");
    assert!(out.contains("HSM Status ->           OK"));
    let out = s.run(&["role login -name so", "userpin1"]);
    assert!(out.contains("No Error"));
    assert!(s.enter("hsm showinfo").contains("Role Status -> SO logged in"));
    check_golden!("hard_init_with_password", &s.transcript);
}

#[test]
fn soft_init_keeps_so_and_needs_login() {
    let mut s = Session::new();
    s.recover_new_unit();
    s.hard_init("first", "userpin1");
    let out = s.enter("hsm init -label second");
    assert!(out.contains("CKR_USER_NOT_LOGGED_IN"), "{out}");
    s.run(&["role login -name so -password userpin1"]);
    let out = s.enter("hsm init -label second -domain otherdomain");
    assert!(out.contains("Syntax error"), "{out}");
    // The current SO password is asked again; a wrong one is a failed SO authentication and changes nothing.
    let out = s.run(&["hsm init -label second", "proceed", "userpin9"]);
    assert!(out.contains("CKR_PIN_INCORRECT"), "{out}");
    assert!(s.enter("slot list").contains("Label ->                first"));
    let out = s.run(&["hsm init -label second", "proceed", "userpin1"]);
    assert!(out.contains("No Error"), "{out}");
    assert!(s.enter("slot list").contains("Label ->                second"));
    // The SO credential survived the soft init.
    let out = s.enter("role login -name so -password userpin1");
    assert!(out.contains("No Error"), "{out}");
    check_golden!("soft_init_keeps_so_and_needs_login", &s.transcript);
}

#[test]
fn three_bad_so_logins_zeroize() {
    let mut s = Session::new();
    s.recover_new_unit();
    s.hard_init("doomed", "userpin1");
    // A good login between failures resets the counter.
    s.run(&["role login -name so -p wrongpass1", "role login -name so -p wrongpass2"]);
    s.run(&["role login -name so -p userpin1", "role logout"]);
    for attempt in 1..=3 {
        let out = s.run(&["role login -name so", &format!("wrongpass{attempt}")]);
        if attempt < 3 {
            assert!(out.contains("CKR_PIN_INCORRECT"), "{out}");
            assert!(s.enter("slot list").contains("HSM Status ->           OK"));
        } else {
            assert!(out.contains("LUNA_RET_SO_LOGIN_FAILURE_THRESHOLD"), "{out}");
            assert!(out.contains("CKR_SO_LOGIN_FAILURE_THRESHOLD"), "{out}");
        }
    }
    let out = s.enter("slot list");
    assert!(out.contains("HSM Status ->           Zeroized"), "{out}");
    assert!(out.contains("Label ->\n"), "{out}");
    let out = s.enter("role login -name so -password userpin1");
    assert!(out.contains("CKR_USER_PIN_NOT_INITIALIZED"), "{out}");
    check_golden!("three_bad_so_logins_zeroize", &s.transcript);
}

#[test]
fn zeroize_keeps_the_auth_method_factory_reset_does_not() {
    let mut s = Session::new();
    s.recover_new_unit();
    s.hard_init("first", "userpin1");
    let out = s.run(&["hsm zeroize", "quit"]);
    assert!(out.contains("User Cancelled Operation"));
    assert!(s.enter("slot list").contains("OK"));
    let out = s.run(&["hsm zeroize", "proceed"]);
    assert!(out.contains("No Error"), "{out}");
    assert!(s.enter("slot list").contains("HSM Status ->           Zeroized"));
    // Zeroize kept the password method: switching to iKeys needs a factory reset.
    let out = s.enter("hsm init -label second -iped");
    assert!(out.contains("hsm factoryreset"), "{out}");
    // Without -ipwd the kept method is used.
    let out = s.run(&["hsm init -label second -password userpin2 -domain dom2 -force"]);
    assert!(out.contains("No Error"), "{out}");
    let out = s.enter("hsm factoryreset -force");
    assert!(out.contains("No Error"), "{out}");
    let out = s.enter("hsm init -label third");
    assert!(out.contains("-ipwd"), "after a factory reset the method must be chosen again: {out}");
    // ... and iKeys may now be chosen.
    let out = s.enter("hsm init -label third -iped");
    assert!(out.contains("Type 'proceed'"), "{out}");
    assert!(s.enter("quit").contains("User Cancelled Operation"));
    check_golden!("zeroize_keeps_the_auth_method_factory_reset_does_not", &s.transcript);
}

#[test]
fn stm_detects_a_failed_so_login_in_transit() {
    let mut s = Session::new();
    s.recover_new_unit();
    s.hard_init("shipped", "userpin1");
    let out = s.enter("stm transport");
    assert!(out.contains("CKR_USER_NOT_LOGGED_IN"), "{out}");
    s.enter("role login -name so -password userpin1");
    let out = s.run(&["stm transport", "proceed"]);
    let verification = value_after(&out, "Verification String:");
    let rus = value_after(&out, "Random User String:");
    assert_eq!(verification.len(), 19);
    assert!(s.enter("hsm showinfo").contains("Role Status -> none logged in"), "STM logs roles out");
    assert!(s.enter("hsm zeroize -force").contains("CKR_CMD_NOT_ALLOWED_HSM_IN_TRANSPORT"));
    // Untouched: the strings match.
    s.enter("role login -name so -password userpin1");
    let out = s.enter(&format!("stm recover -randomuserstring {rus}"));
    assert_eq!(value_after(&out, "Verification String:"), verification);
    s.enter("quit");
    s.enter("role logout");
    // One failed SO login in transit, even followed by a good one, changes the string.
    s.enter("role login -name so -password notmypass");
    s.enter("role login -name so -password userpin1");
    let out = s.enter(&format!("stm recover -randomuserstring {rus}"));
    assert_ne!(value_after(&out, "Verification String:"), verification);
    let out = s.enter("proceed");
    assert!(out.contains("No Error"));
    assert!(s.enter("slot list").contains("HSM Status ->           OK"));
    check_golden!("stm_detects_a_failed_so_login_in_transit", &s.transcript);
}

#[test]
fn commands_and_options_are_case_insensitive_with_short_names() {
    let mut s = Session::new();
    assert!(s.enter("SLOT LIST").contains("No Error"));
    assert!(s.enter("sl l").contains("No Error"));
    assert!(s.enter("slot set -slot 4").contains("Current Slot Id: 4"));
    assert!(s.enter("slot set -s 9").contains("CKR_SLOT_ID_INVALID"));
    assert!(s.enter("Hsm ShowInfo").contains("Partition Status -> Transport Mode, zeroized"));
    assert!(s.enter("?").contains("stm recover"));
    assert!(s.enter("help").contains("hsm factoryreset"));
    assert!(s.enter("slot list extra").contains("Syntax error"));
    assert!(s.enter("hsm init -label \"unterminated").contains("closing double quote"));
    assert!(s.enter("frobnicate").contains("unknown command"));
    check_golden!("commands_and_options", &s.transcript);
}

#[test]
fn a_saved_world_round_trips_and_bad_saves_are_refused() {
    let mut s = Session::new();
    s.recover_new_unit();
    s.hard_init("persisted", "userpin1");
    let saved = s.world.to_json();
    let back = hsm_core::World::from_json(&saved).unwrap();
    assert_eq!(back, s.world);
    let err = hsm_core::World::from_json("{not json").unwrap_err();
    assert!(err.to_string().contains("damaged"), "{err}");
    let wrong = saved.replacen("\"schema\":2", "\"schema\":99", 1);
    let err = hsm_core::World::from_json(&wrong).unwrap_err();
    assert!(err.to_string().contains("version 99"), "{err}");
    let truncated = &saved[..saved.len() / 2];
    assert!(hsm_core::World::from_json(truncated).is_err());
}

#[test]
fn a_hand_edited_world_the_device_could_not_produce_is_refused() {
    let mut s = Session::new();
    s.recover_new_unit();
    s.hard_init("edited", "userpin1");
    s.enter("sim ikey insert 5");
    let saved: serde_json::Value = serde_json::from_str(&s.world.to_json()).unwrap();
    assert!(hsm_core::World::from_json(&saved.to_string()).is_ok(), "a saved world loads");
    // The device's data carries its stored-data tags, which any edit fails (the unit comes up halted:
    // `core/tests/integrity.rs`); these are the checks of a world saved before the tags existed.
    let refused = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut v = saved.clone();
        v.as_object_mut().map(|m| m.remove("sdi"));
        edit(&mut v);
        hsm_core::World::from_json(&v.to_string()).unwrap_err().to_string()
    };
    let err = refused(&|v| v["hsm"]["lifecycle"]["Initialized"]["label"] = "L".repeat(5000).into());
    assert!(err.contains("damaged") && err.contains("(the HSM label has 5000 characters (at most 32))"), "{err}");
    let err = refused(&|v| v["hsm"]["lifecycle"]["Initialized"]["label"] = "tab\there".into());
    assert!(err.contains("the HSM label contains '\\t'"), "{err}");
    // Two keys on the desk with one id, or one on the desk with the id of the key in the port.
    let err = refused(&|v| v["tray"]["keys"][3]["id"] = 3.into());
    assert!(err.contains("(iKey 3 appears twice)"), "{err}");
    let err = refused(&|v| v["tray"]["keys"][0]["id"] = 5.into());
    assert!(err.contains("(iKey 5 appears twice)"), "{err}");
    let err = refused(&|v| v["tray"]["keys"][0]["id"] = 40.into());
    assert!(err.contains("iKey 40 has a number the desk has not given out"), "{err}");
    let err = refused(&|v| v["tray"]["keys"][0]["sticker"]["label"] = "S".repeat(33).into());
    assert!(err.contains("the sticker of iKey 1 has 33 characters (at most 32)"), "{err}");
    let err = refused(&|v| v["hsm"]["admin_roles"]["So"]["failures"] = 3.into());
    assert!(err.contains("failed SO logins"), "{err}");
    let err = refused(&|v| v["hsm"]["admin_roles"] = serde_json::json!({}));
    assert!(err.contains("no HSM SO"), "{err}");
    let err = refused(&|v| v["shipment"]["serial"] = "1".into());
    assert!(err.contains("shipping e-mail"), "{err}");
    // With the tags, an edit of the device's data halts the unit instead; the desk's are still refused.
    let mut v = saved.clone();
    v["hsm"]["lifecycle"]["Initialized"]["label"] = "L".repeat(5000).into();
    assert!(hsm_core::World::from_json(&v.to_string()).unwrap().hsm().halt().is_some());
    let mut v = saved.clone();
    v["tray"]["keys"][3]["id"] = 3.into();
    assert!(hsm_core::World::from_json(&v.to_string()).is_err());
}

#[test]
fn the_same_seed_replays_byte_for_byte() {
    let run = || {
        let mut s = Session::new();
        s.recover_new_unit();
        s.hard_init("replay", "userpin1");
        s.run(&["role login -name so -p userpin1", "stm transport", "proceed"]);
        s.transcript
    };
    assert_eq!(run(), run());
}

#[test]
fn a_password_typed_at_a_prompt_is_never_saved() {
    let mut s = Session::new();
    s.recover_new_unit();
    s.run(&["hsm init -label secret -ipwd", "Sup3r-secret-pw"]);
    assert!(s.world.input_masked(), "LunaCM still asks for the confirmation");
    assert!(!s.world.to_json().contains("Sup3r-secret-pw"));
}

#[test]
fn a_second_tab_adopting_a_change_keeps_its_login_unless_the_change_ended_it() {
    let mut first = Session::new();
    first.recover_new_unit();
    first.hard_init("tabs", "userpin1");
    common::ok(&first.enter("role login -name so -password userpin1"));
    // The second tab loads what the first saved: a new LunaCM session, logged out.
    let mut second = hsm_core::World::from_json(&first.world.to_json()).unwrap();
    second.start_session(common::NOW);
    // A line that changes nothing does not change the saved world.
    let before = second.to_json();
    second.enter("slot list", common::NOW);
    assert_eq!(second.to_json(), before, "slot list is not a change");
    // A real change in the second tab; the first adopts it and stays logged in.
    second.enter("sim ikey new", common::NOW);
    let newer = hsm_core::World::from_json(&second.to_json()).unwrap();
    assert!(first.world.adopt(newer), "the HSM SO login survives");
    assert_eq!(first.world.hsm().logged_in(hsm_core::device::ADMIN_SLOT), Some(hsm_core::device::Role::So));
    common::ok(&first.enter("hsm showpolicies"));
    // A zeroize in the second tab ends it.
    second.enter("hsm zeroize -force", common::NOW);
    let newer = hsm_core::World::from_json(&second.to_json()).unwrap();
    assert!(!first.world.adopt(newer), "zeroize logged every role out");
    assert_eq!(first.world.hsm().logged_in(hsm_core::device::ADMIN_SLOT), None);
}

/// The last `StmRecovered` event's outcome.
fn last_recovery(s: &Session) -> Option<bool> {
    s.world.hsm().events().iter().rev().find_map(|e| match e.event {
        hsm_core::device::Event::StmRecovered { matching } => Some(matching),
        _ => None,
    })
}

#[test]
fn the_recovery_event_says_whether_the_verification_string_matched() {
    let mut s = Session::new();
    s.recover_new_unit();
    assert_eq!(last_recovery(&s), Some(true));
    s.hard_init("unit", "userpin1");
    s.enter("role login -name so -password userpin1");
    let out = s.run(&["stm transport", "proceed"]);
    let rus = value_after(&out, "Random User String:");
    // A wrong string, then the right one: the last check before the recovery counts.
    s.run(&["role login -name so -password userpin1", "stm recover -randomuserstring AAAA-BBBB-CCCC-DDDD", "quit"]);
    s.run(&[&format!("stm recover -randomuserstring {rus}"), "proceed"]);
    assert_eq!(last_recovery(&s), Some(true));
    let out = s.run(&["stm transport", "proceed"]);
    let rus = value_after(&out, "Random User String:");
    // The state changed in transit (a failed SO login): the right string no longer matches.
    s.run(&["role login -name so -password wrongpw1", "role login -name so -password userpin1"]);
    s.run(&[&format!("stm recover -randomuserstring {rus}"), "proceed"]);
    assert_eq!(last_recovery(&s), Some(false));
}

#[test]
fn a_recovery_logged_before_the_outcome_was_kept_still_loads() {
    let mut s = Session::new();
    s.recover_new_unit();
    let json = s.world.to_json().replace(r#"{"StmRecovered":{"matching":true}}"#, r#""StmRecovered""#);
    assert!(json.contains(r#""event":"StmRecovered""#), "{json}");
    let world = hsm_core::World::from_json(&json).expect("loads");
    assert!(world.hsm().events().iter().any(|e| e.event == hsm_core::device::Event::StmRecovered { matching: false }));
}
