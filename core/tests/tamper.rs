//! Chapter 10's physical security and chapter 13's stored data integrity: soft tampers and their
//! recovery (activation ends: `core/tests/partition.rs`), warnings that clear themselves, under-voltage, power loss, corrupted memories and the
//! recovery process, and the audit log's unconditional tamper records.

mod common;

use common::{fails, ok, Session};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

/// A recovered, password-initialized unit whose Auditor logs nothing but the unconditional events to
/// /var/audit (its event mask is `none`).
fn audited_unit() -> Session {
    let mut s = Session::new();
    s.recover_new_unit();
    s.run(&[
        "role init -name au -password audpass1",
        "role login -name au -password audpass1",
        "role setdomain -name au -domain auditdomain1",
        "audit config path /var/audit evmask none",
        "role logout",
    ]);
    s.hard_init("physical", "sopass12");
    s
}

/// Every record text of the unit's audit log on the host.
fn log(s: &Session) -> String {
    s.world.files().iter().filter(|(n, _)| n.ends_with(".log")).map(|(_, t)| t.to_string()).collect()
}

#[test]
fn an_overheated_unit_halts_and_recovers_after_the_cause_is_gone() {
    let mut s = audited_unit();
    // A mild excursion is a warning that clears itself.
    s.enter("sim temperature 68");
    assert!(log(&s).contains("LUNA_ENVIRONMENT_WARNING returned LUNA_RET_OK(0x00000000) high temperature warning"));
    ok(&s.enter("slot list"));
    s.enter("sim temperature 30");
    assert!(log(&s).contains("high temperature warning cleared"));
    // Over +70 C: a soft tamper. The HSM halts and answers only what recovers it.
    s.enter("sim temperature 72.5");
    assert!(s.enter("slot list").contains("HSM Status ->           Hardware Tamper"));
    let out = s.enter("role login -name so -password sopass12");
    fails(&out, "CKR_DEVICE_ERROR");
    assert!(out.contains("lunareset"), "{out}");
    assert!(s.enter("hsm tampershow").contains("Last tamper event: over temperature (72.5 C)"));
    // Logged whatever the event mask says.
    assert!(log(&s).contains("operation LUNA_TAMPER returned LUNA_RET_OK(0x00000000) over temperature (72.5 C)"));
    // A reset while it is still hot: the tamper is detected again.
    assert!(s.enter("lunareset").contains("still halted: Hardware Tamper"));
    s.enter("sim temperature 25");
    assert!(s.enter("lunareset").contains("Device 1 was reset. HSM Status: OK."));
    assert!(s.enter("hsm tampershow").contains("Cleared by a reset at"));
    ok(&s.enter("role login -name so -password sopass12"));
    check_golden!("tamper_over_temperature", &s.transcript);
}

#[test]
fn cold_and_over_voltage_tamper_and_under_voltage_halts_without_tamper() {
    let mut s = audited_unit();
    s.enter("sim temperature -3");
    assert!(s.enter("hsm tampershow").contains("under temperature (-3.0 C)"));
    s.run(&["sim temperature 20", "lunareset"]);
    s.enter("sim voltage 5.8");
    assert!(s.enter("hsm tampershow").contains("over voltage (5.80 V)"));
    assert!(s.enter("slot list").contains("Hardware Tamper"));
    s.run(&["sim voltage 5.0", "lunareset"]);
    assert!(s.enter("slot list").contains("HSM Status ->           OK"));
    // Under 3.9 V the module halts; it is no tamper.
    s.enter("sim voltage 3.5");
    assert!(s.enter("slot list").contains("Halted, under voltage"));
    assert!(s.enter("hsm tampershow").contains("Last tamper event: over voltage"), "the last tamper stays the last");
    assert!(s.enter("lunareset").contains("still halted"));
    s.enter("sim voltage 4.6");
    assert!(s.enter("lunareset").contains("HSM Status: OK"));
    let log = log(&s);
    assert_eq!(log.matches("operation LUNA_TAMPER returned").count(), 2, "{log}");
    assert!(log.contains("low voltage warning"), "4.6 V is a mild excursion: {log}");
}

#[test]
fn a_corrupted_volatile_memory_is_recovered_by_a_restart_with_the_data_kept() {
    let mut s = audited_unit();
    s.run(&["role login -name so -password sopass12", "partition create -force"]);
    s.enter("sim fault volatile");
    assert!(s.enter("slot list").contains("Halted, volatile memory integrity failure"));
    fails(&s.enter("partition delete -force"), "CKR_DEVICE_ERROR");
    ok(&s.enter("hsm restart -force"));
    let listing = s.enter("slot list");
    assert!(
        listing.contains("HSM Status ->           OK") && listing.contains("Slot Id ->              3"),
        "{listing}"
    );
    ok(&s.enter("role login -name so -password sopass12"));
}

#[test]
fn a_corrupted_flash_needs_the_factory_resets_recovery_which_cannot_be_cut_short() {
    let mut s = audited_unit();
    s.enter("sim fault flash");
    assert!(s.enter("slot list").contains("Halted, stored data integrity failure"));
    // A restart does not help; the factory reset starts the recovery process.
    assert!(s.enter("hsm restart -force").contains("Halted, stored data integrity failure"));
    let out = s.enter("hsm factoryreset -force");
    assert!(out.contains("takes about 7 minutes"), "{out}");
    assert!(s.enter("sim screen").contains("0% done"));
    // Nothing interrupts it: not a restart, not a power cycle.
    fails(&s.enter("hsm restart -force"), "CKR_DEVICE_ERROR");
    s.enter("sim power cycle 60");
    assert!(s.enter("slot list").contains("recovery in progress"));
    s.enter("sim clock advance 400");
    let listing = s.enter("slot list");
    assert!(listing.contains("HSM Status ->           Zeroized"), "{listing}");
    // A factory reset: the Auditor and the authentication method are gone.
    assert!(s.world.hsm().auth().is_none());
    fails(&s.enter("role login -name au -password audpass1"), "USER_PIN_NOT_INITIALIZED");
}

#[test]
fn bad_environment_input_changes_nothing() {
    let mut s = Session::new();
    let before = s.world.to_json();
    for line in ["sim temperature hot", "sim temperature 200", "sim voltage -1", "sim voltage 5.8.1", "sim fault disk"]
    {
        let out = s.enter(line);
        assert!(!out.contains("HSM Status"), "{line}: {out}");
    }
    assert_eq!(s.world.to_json(), before);
    assert!(s.enter("lunareset 7").contains("there is no device '7'"));
}
