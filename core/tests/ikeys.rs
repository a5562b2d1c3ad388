//! Transcript tests of the iKey ceremonies of chapter 4, driven by `sim` lines as a script would.

mod common;

use common::{create_keyset, k, present, Session, K};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

/// New unit out of STM, initialized with a 1 of 1 SO key (iKey 1) and a 1 of 1 domain key (iKey 2).
fn init_one_of_one(s: &mut Session) -> String {
    s.recover_new_unit();
    s.run(&["hsm init -label pedHSM -iped", "proceed"]);
    create_keyset(s, 1, &[k(1)]) + &create_keyset(s, 1, &[k(2)])
}

fn failed_so_logins(s: &Session) -> u32 {
    s.world.hsm().info().so_failed_logins
}

#[test]
fn one_of_one_init_and_login() {
    let mut s = Session::new();
    s.run(&["sim ikey sticker 1 blue HSM SO", "sim ikey sticker 2 red HSM domain"]);
    let out = init_one_of_one(&mut s);
    assert!(out.contains("Command Result : No Error"), "{out}");
    let out = s.enter("slot list");
    assert!(out.contains("Luna HSM Admin Partition (PED)"), "{out}");
    assert!(out.contains("HSM Status ->           OK"), "{out}");
    let out = s.enter("role login -name so");
    assert!(out.contains("Please attend to the PED."), "{out}");
    assert!(!out.contains("Command Result"), "login waits for the PED: {out}");
    let out = s.enter("slot list");
    assert!(out.contains("waiting for the iKey operation"), "LunaCM is busy: {out}");
    let out = present(&mut s, 1, None);
    assert!(out.contains("Command Result : No Error"), "{out}");
    assert!(s.enter("hsm showinfo").contains("Role Status -> SO logged in"));
    crate::check_golden!("one_of_one_init_and_login", &s.transcript);
}

#[test]
fn two_of_three_with_pins_and_a_duplicate() {
    let mut s = Session::new();
    s.recover_new_unit();
    s.run(&["hsm init -label quorum -iped", "proceed"]);
    // SO: 2 of 3 on iKeys 1, 2, 3; iKey 1 has PIN 1111 and a duplicate on iKey 4; iKey 2 has PIN 2222.
    create_keyset(
        &mut s,
        2,
        &[K { id: 1, pin: Some("1111"), dups: &[4] }, K { id: 2, pin: Some("2222"), dups: &[] }, k(3)],
    );
    let out = create_keyset(&mut s, 1, &[k(5)]);
    assert!(out.contains("Command Result : No Error"), "{out}");
    s.enter("role login -name so");
    let out = present(&mut s, 2, Some("2222"));
    assert!(out.contains("Split accepted"), "{out}");
    assert!(!out.contains("Command Result"), "one split is not a quorum: {out}");
    // The duplicate of split 1 stands in for the original.
    let out = present(&mut s, 4, Some("1111"));
    assert!(out.contains("Command Result : No Error"), "{out}");
    crate::check_golden!("two_of_three_with_pins_and_a_duplicate", &s.transcript);
}

/// A 2 of 3 SO keyset (iKey 1 with duplicate iKey 4, PIN 1111 on iKey 1; iKeys 2, 3 without PIN).
fn init_two_of_three(s: &mut Session) {
    s.recover_new_unit();
    s.run(&["hsm init -label quorum -iped", "proceed"]);
    create_keyset(s, 2, &[K { id: 1, pin: Some("1111"), dups: &[4] }, k(2), k(3)]);
    create_keyset(s, 1, &[k(5)]);
}

#[test]
fn a_duplicate_presented_twice_does_not_count_twice() {
    let mut s = Session::new();
    init_two_of_three(&mut s);
    s.enter("role login -name so");
    present(&mut s, 1, Some("1111"));
    let out = present(&mut s, 4, None);
    assert!(out.contains("already been presented"), "{out}");
    assert!(s.world.hsm().ceremony_running(), "the login still waits for a second split");
    let out = s.enter("sim tap Cancel");
    assert!(out.contains("CKR_CANCEL"), "{out}");
    assert_eq!(failed_so_logins(&s), 0, "presenting a duplicate is not a failed attempt");
    assert!(s.enter("hsm showinfo").contains("none logged in"));
}

#[test]
fn a_wrong_pin_in_two_of_three_shows_only_after_the_second_key() {
    let mut s = Session::new();
    init_two_of_three(&mut s);
    s.enter("role login -name so");
    let out = present(&mut s, 1, Some("9999"));
    assert!(out.contains("Split accepted"), "the wrong PIN is not noticed yet: {out}");
    assert_eq!(failed_so_logins(&s), 0);
    let out = present(&mut s, 2, None);
    assert!(out.contains("CKR_PIN_INCORRECT"), "{out}");
    assert_eq!(failed_so_logins(&s), 1);
    crate::check_golden!("wrong_pin_in_two_of_three", &s.transcript);
}

#[test]
fn a_wrong_pin_on_a_single_key_fails_at_once() {
    let mut s = Session::new();
    s.recover_new_unit();
    s.run(&["hsm init -label pin -iped", "proceed"]);
    create_keyset(&mut s, 1, &[K { id: 1, pin: Some("12345"), dups: &[] }]);
    create_keyset(&mut s, 1, &[k(2)]);
    s.enter("role login -name so");
    let out = present(&mut s, 1, Some("54321"));
    assert!(out.contains("CKR_PIN_INCORRECT"), "{out}");
}

#[test]
fn wrong_colour_is_not_a_failure_a_wrong_blue_key_is_and_three_zeroize() {
    let mut s = Session::new();
    init_one_of_one(&mut s);
    // Change the SO credential: present the old blue key, then create a new keyset on iKey 3.
    s.enter("role login -name so");
    present(&mut s, 1, None);
    let out = s.run(&["role changepw -name so", "proceed"]);
    assert!(out.contains("Please attend to the PED."), "{out}");
    present(&mut s, 1, None);
    let out = create_keyset(&mut s, 1, &[k(3)]);
    assert!(out.contains("Command Result : No Error"), "{out}");
    s.enter("role logout");
    s.enter("role login -name so");
    // The red domain key is the wrong colour: not counted.
    let out = present(&mut s, 2, None);
    assert!(out.contains("does not hold an HSM SO secret"), "{out}");
    assert_eq!(failed_so_logins(&s), 0);
    // A blank key is not counted either.
    let out = present(&mut s, 6, None);
    assert!(out.contains("does not hold an HSM SO secret"), "{out}");
    assert_eq!(failed_so_logins(&s), 0);
    // The old blue key is a wrong key of the right type: counted.
    let out = present(&mut s, 1, None);
    assert!(out.contains("CKR_PIN_INCORRECT"), "{out}");
    assert_eq!(failed_so_logins(&s), 1);
    s.enter("role login -name so");
    present(&mut s, 1, None);
    s.enter("role login -name so");
    let out = present(&mut s, 1, None);
    assert!(out.contains("LUNA_RET_SO_LOGIN_FAILURE_THRESHOLD"), "{out}");
    assert!(out.contains("zeroized"), "{out}");
    assert!(s.enter("slot list").contains("HSM Status ->           Zeroized"));
    crate::check_golden!("wrong_colour_wrong_key_three_failures", &s.transcript);
}

#[test]
fn the_new_keyset_logs_in_after_changepw() {
    let mut s = Session::new();
    init_one_of_one(&mut s);
    s.enter("role login -name so");
    present(&mut s, 1, None);
    s.run(&["role changepw -name so -force"]);
    present(&mut s, 1, None);
    create_keyset(&mut s, 1, &[k(3)]);
    s.enter("role logout");
    s.enter("role login -name so");
    let out = present(&mut s, 3, None);
    assert!(out.contains("Command Result : No Error"), "{out}");
}

#[test]
fn ikey_actions_time_out() {
    let mut s = Session::new();
    init_one_of_one(&mut s);
    s.enter("role login -name so");
    let out = s.enter("sim clock advance 119");
    assert!(!out.contains("Command Result"), "{out}");
    let out = s.enter("sim clock advance 2");
    assert!(out.contains("CKR_TIMEOUT"), "{out}");
    assert!(out.contains("timed out"), "{out}");
    assert_eq!(failed_so_logins(&s), 0, "a timeout is not a failed login");
    // Each action restarts the wait: a slow but steady ceremony completes.
    s.enter("role login -name so");
    s.enter("sim clock advance 100");
    s.enter("sim ikey insert 2");
    s.enter("sim clock advance 100");
    s.enter("sim ikey remove");
    let out = present(&mut s, 1, None);
    assert!(out.contains("No Error"), "{out}");
    crate::check_golden!("ikey_actions_time_out", &s.transcript);
}

#[test]
fn a_lunacm_line_after_the_wait_ran_out_reports_the_timeout_then_runs() {
    let mut s = Session::new();
    init_one_of_one(&mut s);
    s.enter("role login -name so");
    // Nothing happens for two minutes; then a LunaCM line (not a sim command) is typed.
    let reply = s.world.enter("slot list", common::NOW + 121_000);
    assert!(reply.text.contains("CKR_TIMEOUT"), "{}", reply.text);
    assert!(reply.text.contains("HSM Status ->"), "the line ran after the timeout: {}", reply.text);
    assert!(!reply.text.contains("LunaCM is waiting"), "{}", reply.text);
    assert!(!s.world.waiting_for_ped());
}

#[test]
fn admin_tab_identifies_and_duplicates() {
    let mut s = Session::new();
    init_one_of_one(&mut s);
    let out = s.enter("sim tap Admin");
    assert!(out.contains("No iKey inserted"), "{out}");
    let out = s.enter("sim ikey insert 1");
    assert!(out.contains("This iKey holds: HSM SO secret (blue)"), "{out}");
    s.run(&["sim tap Duplicate this iKey", "sim ikey remove", "sim ikey insert 2"]);
    let out = s.enter("sim tap Enter");
    assert!(out.contains("Overwrite it?"), "the red domain key is not blank: {out}");
    s.run(&["sim tap Use another iKey", "sim ikey remove", "sim ikey insert 7"]);
    let out = s.enter("sim tap Enter");
    assert!(out.contains("Duplicate written"), "{out}");
    s.run(&["sim tap Exit", "sim ikey remove", "sim ikey insert 6"]);
    let out = s.run(&["sim tap Admin"]);
    assert!(out.contains("This iKey is blank"), "{out}");
    s.run(&["sim tap Exit", "sim ikey remove"]);
    // The copy logs in like the original.
    s.enter("role login -name so");
    let out = present(&mut s, 7, None);
    assert!(out.contains("No Error"), "{out}");
    crate::check_golden!("admin_tab_identifies_and_duplicates", &s.transcript);
}

#[test]
fn an_admin_tab_note_about_the_key_goes_when_the_key_moves() {
    let mut s = Session::new();
    init_one_of_one(&mut s);
    s.run(&["sim tap Admin", "sim ikey insert 1", "sim tap Duplicate this iKey"]);
    let out = s.enter("sim tap Enter");
    assert!(out.contains("already holds this secret"), "{out}");
    let out = s.enter("sim ikey remove");
    assert!(!out.contains("already holds this secret"), "the key it spoke of is gone: {out}");
    assert!(out.contains("insert a blank or rewritable iKey and press Enter"), "{out}");
    let out = s.enter("sim tap Enter");
    assert!(out.contains("Insert a blank or rewritable iKey first."), "{out}");
    let out = s.enter("sim ikey insert 7");
    assert!(!out.contains("first."), "a key is in now: {out}");
    assert!(s.enter("sim tap Enter").contains("Duplicate written"));
}

#[test]
fn reusing_an_existing_keyset_shares_the_secret() {
    let mut s = Session::new();
    init_one_of_one(&mut s);
    // Refused before the SO logs in: the error names the whole command.
    let out = s.enter("ped vector init");
    assert!(out.contains("Error: 'ped vector init' failed."), "{out}");
    s.enter("role login -name so");
    present(&mut s, 1, None);
    // A first RPV: a new orange keyset on iKey 3.
    let out = s.enter("sim ikey sticker 3 orange RPV");
    assert!(out.contains("iKey 3 now has an orange sticker \"RPV\"."), "{out}");
    s.enter("ped vector init");
    let out = s.run(&["sim tap New", "sim keypad 1", "sim tap Enter", "sim keypad 1", "sim tap Enter"]);
    assert!(out.contains("Stick an orange sticker on it."), "{out}");
    s.run(&["sim tap Cancel"]);
    s.enter("ped vector init");
    let out = create_keyset(&mut s, 1, &[k(3)]);
    assert!(out.contains("No Error"), "{out}");
    assert!(s.enter("hsm showinfo").contains("RPV Initialized -> Yes"));
    // A second RPV initialization reuses the orange key instead of making a new one.
    s.enter("ped vector init");
    s.enter("sim tap Reuse");
    let out = present(&mut s, 2, None);
    assert!(out.contains("does not hold a Remote PED Vector secret"), "{out}");
    let out = present(&mut s, 3, None);
    assert!(out.contains("Command Result : No Error"), "{out}");
}

#[test]
fn pins_and_quorums_are_checked_on_the_touchscreen() {
    let mut s = Session::new();
    s.recover_new_unit();
    s.run(&["hsm init -label limits -iped", "proceed", "sim tap New"]);
    assert!(s.run(&["sim keypad 17", "sim tap Enter"]).contains("M must be a number from 1 to 16"));
    assert!(s
        .run(&["sim keypad 3", "sim tap Enter", "sim keypad 2", "sim tap Enter"])
        .contains("N must be a number from 3 to 16"));
    s.run(&["sim keypad 3", "sim tap Enter", "sim ikey insert 1", "sim tap Yes"]);
    assert!(s.run(&["sim keypad 0123", "sim tap Enter"]).contains("may not start with 0"));
    assert!(s.run(&["sim keypad 123", "sim tap Enter"]).contains("4 to 48 digits"));
    assert!(s.run(&["sim keypad 1234", "sim tap Enter", "sim keypad 1235", "sim tap Enter"]).contains("did not match"));
    // Writing split 2 onto the key that holds split 1 is refused.
    s.run(&["sim keypad 1234", "sim tap Enter", "sim keypad 1234", "sim tap Enter", "sim tap No"]);
    let out = s.enter("sim tap Enter");
    assert!(out.contains("already holds split 1"), "{out}");
    let out = s.enter("sim tap Cancel");
    assert!(out.contains("CKR_CANCEL"), "{out}");
    assert!(
        s.enter("slot list").contains("HSM Status ->           Zeroized"),
        "a cancelled init leaves the HSM zeroized"
    );
}

#[test]
fn a_multifactor_hsm_soft_inits_and_ships_in_transport_mode() {
    let mut s = Session::new();
    init_one_of_one(&mut s);
    s.enter("role login -name so");
    present(&mut s, 1, None);
    // Soft init asks for the current HSM SO keyset again and keeps it: the same blue key logs in afterwards.
    let out = s.run(&["hsm init -label renamed", "proceed"]);
    assert!(out.contains("attend to the PED"), "{out}");
    let out = present(&mut s, 1, None);
    assert!(out.contains("Command Result : No Error"), "{out}");
    assert!(s.enter("slot list").contains("Label ->                renamed"));
    s.enter("role login -name so");
    present(&mut s, 1, None);
    // Into STM and back: a wrong colour in transit is not a failed login, so the strings still match.
    let out = s.run(&["stm transport", "proceed"]);
    let rus = out.lines().find_map(|l| l.split_once("Random User String:").map(|(_, v)| v.trim().to_string())).unwrap();
    let verification =
        out.lines().find_map(|l| l.split_once("Verification String:").map(|(_, v)| v.trim().to_string())).unwrap();
    s.enter("role login -name so");
    let out = present(&mut s, 2, None);
    assert!(out.contains("does not hold an HSM SO secret"), "the red key is not counted: {out}");
    present(&mut s, 1, None);
    let out = s.enter(&format!("stm recover -randomuserstring {rus}"));
    assert!(out.contains(&verification), "nothing changed in transit: {out}");
    s.enter("quit");
    s.enter("role logout");
    s.enter("role login -name so");
    let out = present(&mut s, 3, None);
    assert!(out.contains("does not hold"), "a blank key is not counted: {out}");
    s.enter("sim tap Cancel");
    assert_eq!(failed_so_logins(&s), 0);
}
