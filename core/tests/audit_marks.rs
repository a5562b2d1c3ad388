//! What `audit verify` leaves behind for the audit panel: the report speaks for the file verified while the
//! file still begins with the lines it was given, and for nothing else.

mod common;

use common::Session;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

/// A recovered, initialized unit whose Auditor logs everything under /var/audit, logged in, with one
/// message written. Returns the session and the log file's path.
fn logging_auditor() -> (Session, String) {
    let mut s = Session::new();
    s.recover_new_unit();
    s.run(&[
        "role init -name au -password audpass1",
        "role login -name au -password audpass1",
        "role setdomain -name au -domain auddom1",
        "audit config path /var/audit evmask a,m,g,x,s,f",
        "role logout",
    ]);
    s.hard_init("demo", "userpin1");
    s.run(&["role login -name au -password audpass1", "audit logmsg message \"shift start\""]);
    let file = s.world.files().iter().map(|(n, _)| n.to_string()).find(|n| n.ends_with(".log")).expect("a log file");
    (s, file)
}

fn text(s: &Session, file: &str) -> String {
    s.world.files().get(file).expect("the file is on the host").to_string()
}

#[test]
fn the_report_speaks_for_the_verified_lines_even_after_records_are_appended() {
    let (mut s, file) = logging_auditor();
    let before = text(&s, &file);
    let lines = before.lines().count();
    assert!(s.world.hsm().audit().verification_of(&file, &before).is_none(), "nothing verified yet");

    let out = s.enter(&format!("audit verify file {file}"));
    assert!(out.contains("Command Result : No Error"), "{out}");
    let after = text(&s, &file);
    assert!(after.len() > before.len(), "the verification itself was logged into the same file");

    let audit = s.world.hsm().audit();
    let (report, covered) = audit.verification_of(&file, &after).expect("the verified lines are unchanged");
    assert_eq!(covered, lines);
    assert_eq!(report.verified, lines);
    assert!(report.failure.is_none());
    assert!(audit.verification_of(&file, &before).is_some(), "the text exactly as verified");
    assert!(audit.verification_of("/var/audit/other.log", &after).is_none(), "another file");

    // One character of the first record's text changed: the report no longer speaks for the file.
    let changed = after.replacen("LUNA_", "LUNA-", 1);
    assert!(audit.verification_of(&file, &changed).is_none());
    // Nor when lines are missing.
    let shorter: String = after.lines().take(lines - 1).map(|l| format!("{l}\n")).collect();
    assert!(audit.verification_of(&file, &shorter).is_none());

    // Saved and loaded with the world.
    let loaded = hsm_core::World::from_json(&s.world.to_json()).unwrap();
    assert!(loaded.hsm().audit().verification_of(&file, &after).is_some());
}

#[test]
fn a_world_saved_before_the_verified_lines_were_kept_loads_with_no_report_for_any_file() {
    let (mut s, file) = logging_auditor();
    s.enter(&format!("audit verify file {file}"));
    let mut saved: serde_json::Value = serde_json::from_str(&s.world.to_json()).unwrap();
    saved["hsm"]["audit"].as_object_mut().unwrap().remove("last_verified_text").expect("the field is saved");
    let loaded = hsm_core::World::from_json(&saved.to_string()).expect("loads");
    let audit = loaded.hsm().audit();
    assert_eq!(audit.last_verified().map(|(f, _)| f), Some(file.as_str()));
    assert!(audit.verification_of(&file, &text(&s, &file)).is_none(), "what was verified is unknown");
}

#[test]
fn the_store_capacity_is_the_units_until_the_simulation_changes_it() {
    let (mut s, _) = logging_auditor();
    assert_eq!(s.world.hsm().audit().capacity(), hsm_core::device::audit::DEFAULT_CAPACITY);
    s.enter("sim audit capacity 40");
    assert_eq!(s.world.hsm().audit().capacity(), 40);
}
