//! Transcript tests of chapter 9 (the application partition and its roles), the role rules of chapter 7
//! (forced change, lockout, reset under HSM policy 15, activation) and the lost-iKey cases of chapter 4.

mod common;

use common::{create_keyset, fails, k, ok, present, Session};
use hsm_core::device::{Role, ADMIN_SLOT, PARTITION_SLOT};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

/// A password HSM with its partition created and initialized; the Partition SO is logged in on slot 3.
fn password_partition(s: &mut Session) {
    s.recover_new_unit();
    s.hard_init("unit", "userpin1");
    s.run(&[
        "role login -name so -password userpin1",
        "partition create",
        "slot set -slot 3",
        "partition init -label par1 -password popin123 -domain pdomain1 -force",
        "role login -name po -password popin123",
    ]);
}

#[test]
fn partition_and_crypto_officer_with_the_forced_change() {
    let mut s = Session::new();
    s.recover_new_unit();
    s.hard_init("unit", "userpin1");
    // Only the HSM SO creates the partition, and there is room for one.
    fails(&s.enter("partition create"), "CKR_USER_NOT_LOGGED_IN");
    s.enter("role login -name so -password userpin1");
    ok(&s.enter("partition create"));
    fails(&s.enter("partition create"), "CKR_LICENSE_CAPACITY_EXCEEDED");
    let slots = s.enter("slot list");
    assert!(slots.contains("Slot Description ->     User Token Slot"), "{slots}");
    // Partition commands need the partition's slot; admin commands the admin slot.
    fails(&s.enter("partition init -label par1"), "CKR_SLOT_ID_INVALID");
    ok(&s.enter("slot set -slot 3"));
    fails(&s.enter("hsm showinfo"), "CKR_SLOT_ID_INVALID");
    // A label with a question mark is refused; the init asks for the Partition SO password and domain.
    fails(&s.enter("partition init -label what?"), "CKR_ARGUMENTS_BAD");
    ok(&s.run(&["partition init -label par1", "popin123", "popin123", "pdomain1", "pdomain1", "proceed"]));
    assert_eq!(s.world.hsm().partition().map(|p| p.label().to_string()), Some("par1".into()));
    // The HSM SO's login is on the admin slot; the partition's slot has its own.
    fails(&s.enter("role init -name co -password copin123"), "CKR_USER_NOT_LOGGED_IN");
    fails(&s.enter("role login -name so -password userpin1"), "CKR_USER_TYPE_INVALID");
    ok(&s.enter("role login -name po -password popin123"));
    fails(&s.enter("role login -name co -password copin123"), "CKR_USER_ALREADY_LOGGED_IN");
    ok(&s.enter("role init -name co -password copin123"));
    // The Partition SO does not create the Crypto User: the Crypto Officer does.
    fails(&s.enter("role init -name cu -password cupin123"), "CKR_USER_NOT_LOGGED_IN");
    s.enter("role logout");
    ok(&s.enter("role login -name co -password copin123"));
    // HSM policy 21: nothing but changing the assigned credential until it is changed.
    fails(&s.enter("partition contents"), "CKR_PIN_EXPIRED");
    fails(&s.enter("role init -name cu -password cupin123"), "CKR_PIN_EXPIRED");
    assert!(s.enter("role show -name co").contains("must be changed"));
    fails(&s.run(&["role changepw -name co -oldpw copin123 -newpw copin123", "proceed"]), "CKR_ARGUMENTS_BAD");
    ok(&s.run(&["role changepw -name co", "copin123", "copin456", "copin456", "proceed"]));
    ok(&s.enter("partition contents"));
    // The Crypto Officer creates the Crypto User and the Limited Crypto Officer, who must change theirs.
    ok(&s.enter("role init -name cu -password cupin123"));
    ok(&s.enter("role init -name lco -password lcopin12"));
    let list = s.enter("role list");
    assert!(list.contains("cu  Crypto User               initialized"), "{list}");
    s.enter("role logout");
    ok(&s.enter("role login -name cu -password cupin123"));
    fails(&s.enter("partition contents"), "CKR_PIN_EXPIRED");
    ok(&s.enter("role changepw -name cu -oldpw cupin123 -newpw cupin456 -force"));
    ok(&s.enter("partition contents"));
    check_golden!("partition_and_crypto_officer", &s.transcript);
}

#[test]
fn without_policy_15_a_locked_out_crypto_officer_stays_locked() {
    let mut s = Session::new();
    password_partition(&mut s);
    ok(&s.enter("partition changepolicy -policy 20 -value 3"));
    ok(&s.enter("role init -name co -password copin123"));
    s.enter("role logout");
    ok(&s.enter("role login -name co -password copin123"));
    ok(&s.enter("role changepw -name co -oldpw copin123 -newpw copin456 -force"));
    ok(&s.enter("role init -name cu -password cupin123"));
    s.enter("role logout");
    // An empty password is not a failed attempt.
    assert!(s.run(&["role login -name co", ""]).contains("Syntax error"));
    assert!(s.enter("role login -name co -password wrongpw1").contains("2 more failed attempt(s)"));
    fails(&s.enter("role login -name co -password wrongpw2"), "CKR_PIN_INCORRECT");
    let out = s.enter("role login -name co -password wrongpw3");
    assert!(out.contains("the Crypto Officer and the Crypto User are locked out"), "{out}");
    // Locked, even with the right password; the Crypto User with it.
    fails(&s.enter("role login -name co -password copin456"), "CKR_PIN_LOCKED");
    fails(&s.enter("role login -name cu -password cupin123"), "CKR_PIN_LOCKED");
    assert!(s.enter("role show -name co").contains("Locked out"));
    // HSM policy 15 is 0: the Partition SO cannot reset the Crypto Officer.
    ok(&s.enter("role login -name po -password popin123"));
    let out = s.enter("role resetpw -name co -password copin789");
    assert!(out.contains("HSM policy 15") && out.contains("CKR_OPERATION_NOT_ALLOWED"), "{out}");
    // The way out is a new initialization of the partition, which destroys its roles and contents.
    s.enter("role logout");
    ok(&s.run(&["partition init -label par2 -force", "popin123", "popin999", "popin999"]));
    assert!(s.enter("role list").contains("co  Crypto Officer            not initialized"));
    ok(&s.enter("role login -name po -password popin999"));
    check_golden!("co_lockout_without_policy_15", &s.transcript);
}

#[test]
fn with_policy_15_the_partition_so_resets_a_locked_out_crypto_officer() {
    let mut s = Session::new();
    s.recover_new_unit();
    s.hard_init("unit", "userpin1");
    s.enter("role login -name so -password userpin1");
    // Policy 15 is destructive: set before the partition exists.
    ok(&s.run(&["hsm changehsmpolicy -policy 15 -value 1", "proceed"]));
    s.run(&[
        "partition create",
        "slot set -slot 3",
        "partition init -label par1 -password popin123 -domain pdomain1 -force",
        "role login -name po -password popin123",
        "role init -name co -password copin123",
        "role logout",
    ]);
    for i in 1..=10 {
        s.enter(&format!("role login -name co -password wrongpw{i}"));
    }
    fails(&s.enter("role login -name co -password copin123"), "CKR_PIN_LOCKED");
    ok(&s.enter("role login -name po -password popin123"));
    ok(&s.run(&["role resetpw -name co", "copin555", "copin555", "proceed"]));
    s.enter("role logout");
    ok(&s.enter("role login -name co -password copin555"));
    fails(&s.enter("partition contents"), "CKR_PIN_EXPIRED");
    check_golden!("co_reset_with_policy_15", &s.transcript);
}

#[test]
fn the_partition_so_zeroizes_the_partition_after_ten_bad_logins() {
    let mut s = Session::new();
    password_partition(&mut s);
    s.enter("role init -name co -password copin123");
    s.enter("role logout");
    for i in 1..=9 {
        fails(&s.enter(&format!("role login -name po -password wrongpw{i}")), "CKR_PIN_INCORRECT");
    }
    let out = s.enter("role login -name po -password wrongpw10");
    assert!(out.contains("the partition has been zeroized"), "{out}");
    let p = s.world.hsm().partition().expect("the partition itself remains");
    assert!(!p.initialized() && p.roles().get(Role::CryptoOfficer).is_none());
    fails(&s.enter("role login -name po -password popin123"), "CKR_USER_PIN_NOT_INITIALIZED");
}

#[test]
fn partition_delete_destroys_roles_and_the_slot() {
    let mut s = Session::new();
    password_partition(&mut s);
    s.enter("role init -name co -password copin123");
    ok(&s.enter("slot set -slot 4"));
    ok(&s.run(&["partition delete", "proceed"]));
    assert!(s.world.hsm().partition().is_none());
    assert!(!s.enter("slot list").contains("User Token Slot"));
    fails(&s.enter("slot set -slot 3"), "CKR_SLOT_ID_INVALID");
    fails(&s.enter("partition delete"), "CKR_SLOT_ID_INVALID");
}

/// A multifactor HSM (SO iKey 1, domain iKey 2) with its partition initialized by iKeys (Partition SO
/// iKey 3, partition domain iKey 4), activation allowed, and the Partition SO logged in on slot 3.
fn multifactor_partition(s: &mut Session) {
    s.recover_new_unit();
    s.run(&["hsm init -label pedHSM -iped", "proceed"]);
    create_keyset(s, 1, &[k(1)]);
    create_keyset(s, 1, &[k(2)]);
    s.enter("role login -name so");
    present(s, 1, None);
    s.run(&["partition create", "slot set -slot 3", "partition init -label pedPar -force"]);
    create_keyset(s, 1, &[k(3)]);
    create_keyset(s, 1, &[k(4)]);
    s.enter("role login -name po");
    present(s, 3, None);
}

#[test]
fn activation_caches_the_crypto_officer_secret_until_deactivated() {
    let mut s = Session::new();
    multifactor_partition(&mut s);
    assert_eq!(s.world.hsm().logged_in(PARTITION_SLOT), Some(Role::PartitionSo));
    ok(&s.enter("partition changepolicy -policy 22 -value 1"));
    // The Crypto Officer's black keyset, then its challenge secret.
    s.enter("role init -name co");
    create_keyset(&mut s, 1, &[k(5)]);
    ok(&s.enter("role createchallenge -name co -challengesecret chal1234"));
    s.enter("role logout");
    // First login: the black iKey and the challenge secret; the secret is cached (activation).
    let out = s.enter("role login -name co -password chal1234");
    assert!(out.contains("Please attend to the PED"), "{out}");
    ok(&present(&mut s, 5, None));
    // The challenge was set by the Partition SO: the CO changes it first.
    fails(&s.enter("partition contents"), "CKR_PIN_EXPIRED");
    ok(&s.enter("role changepw -name co -oldpw chal1234 -newpw chal5678 -force"));
    s.enter("role logout");
    let out = s.enter("role login -name co -password chal5678");
    assert!(out.contains("User is activated, PED is not required."), "{out}");
    s.enter("role logout");
    fails(&s.enter("role login -name co -password wrongchal"), "CKR_PIN_INCORRECT");
    // Only the role itself or the Partition SO drops the cached secret.
    fails(&s.enter("role deactivate -name co"), "CKR_USER_NOT_LOGGED_IN");
    s.enter("role login -name po");
    present(&mut s, 3, None);
    ok(&s.enter("role deactivate -name co"));
    s.enter("role logout");
    let out = s.enter("role login -name co -password chal5678");
    assert!(out.contains("Please attend to the PED"), "deactivated: the iKey again: {out}");
    ok(&present(&mut s, 5, None));
    check_golden!("activation_and_deactivation", &s.transcript);
}

#[test]
fn activation_needs_an_ikey_partition() {
    let mut s = Session::new();
    password_partition(&mut s);
    fails(&s.enter("partition changepolicy -policy 22 -value 1"), "LUNA_RET_CHALLENGE_REQUIRES_PED");
    fails(&s.enter("role createchallenge -name co -challengesecret chal1234"), "CKR_USER_PIN_NOT_INITIALIZED");
}

#[test]
fn lost_blue_hsm_so_key_without_a_copy_means_factory_reset() {
    let mut s = Session::new();
    multifactor_partition(&mut s);
    s.run(&["slot set -slot 4", "role logout"]);
    let out = s.enter("sim ikey lose 1");
    assert!(out.contains("iKey 1 is lost"), "{out}");
    // No other key holds the HSM SO secret: presenting the wrong colour is not a failed attempt, and
    // nothing else can log in.
    s.enter("role login -name so");
    let out = present(&mut s, 2, None);
    assert!(out.contains("does not hold"), "{out}");
    s.enter("sim tap Cancel");
    assert_eq!(s.world.hsm().info().so_failed_logins, 0);
    // The guide's way out: factory reset, then a new HSM SO (a fresh blue key), then a new partition
    // whose Partition SO and domain reuse the original blue and red partition keys.
    ok(&s.run(&["hsm factoryreset", "proceed"]));
    s.run(&["hsm init -label reborn -iped", "proceed"]);
    create_keyset(&mut s, 1, &[k(6)]);
    create_keyset(&mut s, 1, &[k(7)]);
    s.enter("role login -name so");
    ok(&present(&mut s, 6, None));
    s.run(&["partition create", "slot set -slot 3", "partition init -label pedPar -force"]);
    // Reuse: present the original Partition SO key, then the original partition domain key.
    s.enter("sim tap Reuse");
    present(&mut s, 3, None);
    s.enter("sim tap Reuse");
    let out = present(&mut s, 4, None);
    ok(&out);
    s.enter("role login -name po");
    ok(&present(&mut s, 3, None));
}

#[test]
fn lost_crypto_user_key_is_reset_by_the_crypto_officer() {
    let mut s = Session::new();
    multifactor_partition(&mut s);
    s.enter("role init -name co");
    create_keyset(&mut s, 1, &[k(5)]);
    s.enter("role logout");
    s.enter("role login -name co");
    present(&mut s, 5, None);
    s.run(&["role changepw -name co", "proceed"]);
    present(&mut s, 5, None);
    create_keyset(&mut s, 1, &[k(6)]);
    s.enter("role init -name cu");
    create_keyset(&mut s, 1, &[k(7)]);
    s.enter("sim ikey lose 7");
    // The gray key is gone; the Crypto Officer resets the Crypto User onto a new gray key.
    ok(&{
        s.run(&["role resetpw -name cu", "proceed"]);
        create_keyset(&mut s, 1, &[k(8)])
    });
    s.enter("role logout");
    s.enter("role login -name cu");
    ok(&present(&mut s, 8, None));
}

#[test]
fn a_lost_split_does_not_matter_while_m_splits_remain() {
    let mut s = Session::new();
    s.recover_new_unit();
    s.run(&["hsm init -label quorum -iped", "proceed"]);
    create_keyset(&mut s, 2, &[k(1), k(2), k(3)]);
    create_keyset(&mut s, 1, &[k(4)]);
    s.enter("sim ikey lose 2");
    s.enter("role login -name so");
    present(&mut s, 1, None);
    ok(&present(&mut s, 3, None));
    assert_eq!(s.world.hsm().logged_in(ADMIN_SLOT), Some(Role::So));
}

#[test]
fn the_auditor_initializes_itself_and_is_locked_out_for_ten_minutes() {
    let mut s = Session::new();
    s.recover_new_unit();
    s.hard_init("unit", "userpin1");
    // No HSM SO needed; the Auditor is a role of the admin slot.
    ok(&s.run(&["role init -name au", "audpin12", "audpin12"]));
    fails(&s.enter("role init -name au -password audpin34"), "CKR_OPERATION_NOT_ALLOWED");
    for i in 1..=2 {
        let out = s.enter(&format!("role login -name au -password wrongpw{i}"));
        assert!(out.contains("lock the Auditor out for ten minutes"), "{out}");
    }
    fails(&s.enter("role login -name au -password wrongpw3"), "LUNA_RET_AUDIT_LOGIN_FAILURE_THRESHOLD");
    fails(&s.enter("role login -name au -password audpin12"), "LUNA_RET_AUDIT_LOGIN_TIMEOUT_IN_PROGRESS");
    // The rest of the HSM is unaffected.
    ok(&s.enter("role login -name so -password userpin1"));
    s.enter("role logout");
    s.enter("sim clock advance 600");
    assert!(s.enter("role show -name au").contains("Locked out"), "shown until a good login");
    ok(&s.enter("role login -name au -password audpin12"));
    assert!(!s.enter("role show -name au").contains("Locked out"));
    check_golden!("auditor_lockout", &s.transcript);
}

#[test]
fn without_hsm_policy_37_new_keysets_are_one_of_one() {
    let mut s = Session::new();
    multifactor_partition(&mut s);
    s.enter("slot set -slot 4");
    ok(&s.enter("hsm changehsmpolicy -policy 37 -value 0"));
    assert!(s.world.hsm().partition().is_some(), "policy 37 is not destructive");
    s.enter("ped vector init");
    let out = s.enter("sim tap New");
    assert!(out.contains("split 1 of 1"), "M and N are not asked: {out}");
    s.run(&["sim ikey insert 5", "sim tap No", "sim tap No"]);
    assert!(s.world.hsm().info().rpv_initialized);
}

/// Activates the Crypto Officer (iKey 5, challenge `chal1234`, changed once as policy 21 asks) on a
/// multifactor partition with activation allowed; leaves nobody logged in on the partition.
fn activated_crypto_officer(s: &mut Session) {
    multifactor_partition(s);
    ok(&s.enter("partition changepolicy -policy 22 -value 1"));
    s.enter("role init -name co");
    create_keyset(s, 1, &[k(5)]);
    ok(&s.enter("role createchallenge -name co -challengesecret chal0000"));
    s.enter("role logout");
    s.enter("role login -name co -password chal0000");
    ok(&present(s, 5, None));
    ok(&s.enter("role changepw -name co -oldpw chal0000 -newpw chal1234 -force"));
    s.enter("role logout");
    assert!(s.enter("role login -name co -password chal1234").contains("PED is not required"));
    s.enter("role logout");
}

#[test]
fn a_tamper_ends_activation_even_with_auto_activation() {
    let mut s = Session::new();
    activated_crypto_officer(&mut s);
    s.run(&["role login -name po"]);
    present(&mut s, 3, None);
    ok(&s.enter("partition changepolicy -policy 23 -value 1"));
    s.enter("role logout");
    // Overheated: the tamper drops the cached secret; a reset once it has cooled does not bring it back.
    let co = |s: &Session| s.world.hsm().partition().unwrap().roles().get(Role::CryptoOfficer).unwrap().activated;
    assert!(co(&s), "activated before");
    s.enter("sim temperature 75");
    assert!(!co(&s));
    s.enter("sim temperature 25");
    assert!(s.enter("lunareset").contains("HSM Status: OK"));
    s.enter("slot set -slot 3");
    let out = s.enter("role login -name co -password chal1234");
    assert!(out.contains("Please attend to the PED"), "the Crypto Officer logs in again to reactivate: {out}");
    ok(&present(&mut s, 5, None));
    assert!(co(&s));
}

#[test]
fn power_loss_ends_activation_unless_auto_activation_covers_it() {
    let mut s = Session::new();
    activated_crypto_officer(&mut s);
    // Any outage logs everyone out and, without auto-activation, drops the cached secret.
    s.enter("sim power cycle 5");
    assert_eq!(s.world.hsm().logged_in(ADMIN_SLOT), None);
    let out = s.enter("role login -name co -password chal1234");
    assert!(out.contains("Please attend to the PED"), "{out}");
    ok(&present(&mut s, 5, None));
    // With auto-activation (policy 23) an outage of up to two hours keeps it; a longer one does not.
    s.run(&["role logout", "role login -name po"]);
    present(&mut s, 3, None);
    ok(&s.enter("partition changepolicy -policy 23 -value 1"));
    s.enter("sim power cycle 3600");
    assert!(s.enter("role login -name co -password chal1234").contains("PED is not required"));
    s.enter("sim power cycle 7201");
    let out = s.enter("role login -name co -password chal1234");
    assert!(out.contains("Please attend to the PED"), "{out}");
    check_golden!("power_loss_and_activation", &s.transcript);
}

#[test]
fn more_than_two_hours_without_power_while_activated_changes_the_stm_verification_string() {
    for (activated, hours, changes) in [(true, 3, true), (true, 1, false), (false, 3, false)] {
        let mut s = Session::new();
        if activated {
            activated_crypto_officer(&mut s);
        } else {
            multifactor_partition(&mut s);
            s.enter("role logout");
        }
        s.enter("slot set -slot 4");
        s.enter("role login -name so");
        present(&mut s, 1, None);
        let out = s.run_all(&["stm transport", "proceed"]);
        let pick = |text: &str, label: &str| {
            text.lines().find_map(|l| l.split_once(label).map(|(_, v)| v.trim().to_string())).unwrap()
        };
        let (rus, verification) = (pick(&out, "Random User String:"), pick(&out, "Verification String:"));
        s.enter(&format!("sim power cycle {}", hours * 3600));
        s.enter("role login -name so");
        present(&mut s, 1, None);
        let out = s.enter(&format!("stm recover -randomuserstring {rus}"));
        assert_eq!(
            pick(&out, "Verification String:") != verification,
            changes,
            "activated {activated}, {hours} h without power: {out}"
        );
    }
}

#[test]
fn lost_blue_partition_so_key_means_a_new_partition_with_the_original_domain() {
    let mut s = Session::new();
    multifactor_partition(&mut s);
    s.run(&["role init -name co"]);
    create_keyset(&mut s, 1, &[k(5)]);
    s.enter("role logout");
    s.enter("sim ikey lose 3");
    // The HSM SO deletes and recreates the partition; it is initialized with a new blue key and the
    // original red domain key; a new black key for the Crypto Officer, who then moves to the original.
    s.run(&["slot set -slot 4", "partition delete -force", "partition create", "slot set -slot 3"]);
    s.enter("partition init -label pedPar -force");
    create_keyset(&mut s, 1, &[k(6)]);
    s.enter("sim tap Reuse");
    ok(&present(&mut s, 4, None));
    s.enter("role login -name po");
    ok(&present(&mut s, 6, None));
    s.enter("role init -name co");
    ok(&create_keyset(&mut s, 1, &[k(7)]));
    s.enter("role logout");
    s.enter("role login -name co");
    ok(&present(&mut s, 7, None));
    s.run(&["role changepw -name co", "proceed"]);
    present(&mut s, 7, None);
    s.enter("sim tap Reuse");
    ok(&present(&mut s, 5, None));
    s.enter("role logout");
    s.enter("role login -name co");
    ok(&present(&mut s, 5, None));
}

#[test]
fn lost_black_crypto_officer_key_activation_still_serves_and_policy_15_resets_it() {
    let mut s = Session::new();
    activated_crypto_officer(&mut s);
    s.enter("sim ikey lose 5");
    // Activated: the challenge secret alone still logs in, for production use.
    assert!(s.enter("role login -name co -password chal1234").contains("PED is not required"));
    s.enter("role logout");
    // HSM policy 15 is 0 by default: the Partition SO cannot reset the Crypto Officer.
    s.enter("role login -name po");
    present(&mut s, 3, None);
    fails(&s.enter("role resetpw -name co"), "CKR_OPERATION_NOT_ALLOWED");
}

#[test]
fn a_lost_white_auditor_key_needs_a_factory_reset_before_a_new_auditor() {
    let mut s = Session::new();
    multifactor_partition(&mut s);
    s.run(&["role logout", "slot set -slot 4", "role logout"]);
    s.enter("role init -name au");
    ok(&create_keyset(&mut s, 1, &[k(5)]));
    s.enter("sim ikey lose 5");
    // Nobody but the Auditor initializes the Auditor: without its white key, not even the HSM SO.
    let out = s.enter("role init -name au");
    assert!(out.contains("A lost Auditor secret needs a factory reset"), "{out}");
    s.enter("role login -name so");
    present(&mut s, 1, None);
    fails(&s.enter("role init -name au"), "LUNA_RET_SM_OTHER_USER_LOGGED_IN");
    ok(&s.enter("hsm factoryreset -force"));
    let out = s.enter("role init -name au");
    assert!(out.contains("attend to the PED"), "{}", s.transcript);
    ok(&create_keyset(&mut s, 1, &[k(6)]));
    s.enter("role login -name au");
    ok(&present(&mut s, 6, None));
}

#[test]
fn partition_policies_change_by_the_partition_so_with_their_rules() {
    let mut s = Session::new();
    password_partition(&mut s);
    // Several at once; the panel of values follows.
    ok(&s.enter("partition changepolicy -policy 20,11 -value 5,1"));
    let p = s.world.hsm().partition().unwrap().policies().clone();
    assert_eq!((p.get(20), p.get(11)), (Some(5), Some(1)));
    // Turning private key cloning off is not destructive; on again is (off-to-on), and asks.
    ok(&s.enter("partition changepolicy -policy 0 -value 0"));
    let out = s.run_all(&["partition changepolicy -policy 0 -value 1", "proceed"]);
    assert!(out.contains("You are about to change a destructive partition policy."), "{out}");
    ok(&out);
    // Cloning and wrapping of private keys exclude each other; values outside the range are refused.
    fails(&s.enter("partition changepolicy -policy 1 -value 1 -force"), "RM_CONFIG_CHANGE_FAILS_DEPENDENCIES");
    fails(&s.enter("partition changepolicy -policy 20 -value 11"), "RM_ELEMENT_VALUE_INVALID");
    fails(&s.enter("partition changepolicy -policy 20,22 -value 5"), "Syntax error");
    // Only the Partition SO changes them.
    s.enter("role logout");
    fails(&s.enter("partition changepolicy -policy 20 -value 4"), "CKR_USER_NOT_LOGGED_IN");
    let shown = s.enter("partition showpolicies -verbose");
    assert!(shown.contains("20: Max failed user logins allowed : 5"), "{shown}");
    assert!(
        shown.contains("0: Allow private key cloning : 1   (off-to-on: destructive, on-to-off: not destructive)"),
        "{shown}"
    );
}
