//! Chapter 10's "Security Effects of Administrative Actions", one test per row of the table: what each
//! action destroys, resets or leaves, and the message it shows. Also HSM and partition policy templates
//! (chapter 8) and the loading of worlds saved by the first format version.

mod common;

use common::{create_keyset, k, ok, present, Session, NOW};
use hsm_core::device::policy::Policies;
use hsm_core::device::{AuthMethod, Role};
use hsm_core::World;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

/// A password HSM with an Auditor, HSM policy 16 set to 0 (not destructive, so a reset shows), and an
/// initialized partition with a Crypto Officer. Leaves the HSM SO logged in on the admin slot.
fn furnished(s: &mut Session) {
    s.recover_new_unit();
    s.hard_init("unit", "userpin1");
    ok(&s.enter("role init -name au -password audpin12"));
    s.enter("role login -name so -password userpin1");
    ok(&s.enter("hsm changehsmpolicy -policy 16 -value 0"));
    s.run(&[
        "partition create",
        "slot set -slot 3",
        "partition init -label par1 -password popin123 -domain pdomain1 -force",
        "role login -name po -password popin123",
        "role init -name co -password copin123",
        "role logout",
        "slot set -slot 4",
    ]);
    assert!(state(s).co);
}

/// What exists after an action, in the table's rows.
#[derive(Debug, PartialEq)]
struct State {
    /// Domain and HSM SO (they go together).
    so: bool,
    auditor: bool,
    partition: bool,
    po: bool,
    co: bool,
    /// HSM policy 16 still 0 (policies unchanged) rather than back to its default.
    policies_kept: bool,
}

fn state(s: &Session) -> State {
    let hsm = s.world.hsm();
    let p = hsm.partition();
    State {
        so: !hsm.zeroized() && hsm.admin_roles().get(Role::So).is_some(),
        auditor: hsm.admin_roles().get(Role::Auditor).is_some(),
        partition: p.is_some(),
        po: p.is_some_and(|p| p.roles().get(Role::PartitionSo).is_some()),
        co: p.is_some_and(|p| p.roles().get(Role::CryptoOfficer).is_some()),
        policies_kept: hsm.policies().get(16) == Some(0),
    }
}

#[test]
fn factory_reset_destroys_everything_and_resets_policies() {
    let mut s = Session::new();
    furnished(&mut s);
    let out = s.run_all(&["hsm factoryreset", "proceed"]);
    assert!(out.contains("HSM policies will be reset and the remote PED vector will be erased."), "{out}");
    let expect = State { so: false, auditor: false, partition: false, po: false, co: false, policies_kept: false };
    assert_eq!(state(&s), expect);
    assert_eq!(s.world.hsm().policies(), &Policies::hsm_defaults());
    assert_eq!(s.world.hsm().auth(), None, "the authentication method can be chosen again");
    check_golden!("effects_factory_reset", &s.transcript);
}

#[test]
fn zeroize_keeps_auditor_and_policies() {
    let mut s = Session::new();
    furnished(&mut s);
    let out = s.run_all(&["hsm zeroize", "proceed"]);
    assert!(out.contains("HSM policies, remote PED vector and Auditor left unchanged."), "{out}");
    let expect = State { so: false, auditor: true, partition: false, po: false, co: false, policies_kept: true };
    assert_eq!(state(&s), expect);
    assert_eq!(s.world.hsm().auth(), Some(AuthMethod::Password));
}

#[test]
fn a_destructive_hsm_policy_destroys_the_partition_only() {
    let mut s = Session::new();
    furnished(&mut s);
    // Not destructive: nothing asked, nothing destroyed.
    ok(&s.enter("hsm changehsmpolicy -policy 49 -value 1"));
    assert!(state(&s).partition);
    // Destructive: the messaging, 'quit' changes nothing, 'proceed' destroys the partition.
    let out = s.run_all(&["hsm changehsmpolicy -policy 12 -value 0", "quit"]);
    assert!(out.contains("You are about to change a destructive HSM policy."), "{out}");
    assert!(out.contains("All partitions of the HSM will be destroyed."), "{out}");
    assert!(state(&s).partition && s.world.hsm().policies().get(12) == Some(1));
    ok(&s.run(&["hsm changehsmpolicy -policy 12 -value 0", "proceed"]));
    let expect = State { so: true, auditor: true, partition: false, po: false, co: false, policies_kept: true };
    assert_eq!(state(&s), expect);
    assert_eq!(s.world.hsm().policies().get(12), Some(0), "the new policy is set");
    check_golden!("effects_destructive_hsm_policy", &s.transcript);
}

#[test]
fn every_destructive_hsm_policy_asks_and_destroys() {
    for (id, value) in [(7, 0), (12, 0), (15, 1), (22, 0), (56, 0)] {
        let mut s = Session::new();
        furnished(&mut s);
        if id == 56 {
            // Policy 56 needs firmware 7.7.3 or newer; an update keeps the partition.
            s.run(&["sim firmware get 7.8.4", "hsm updatefw -fuf fw-7.8.4.fuf -authcode fw-7.8.4.txt"]);
            ok(&s.enter("role login -name so -password userpin1"));
            assert!(state(&s).partition);
        }
        let out = s.run_all(&[&format!("hsm changehsmpolicy -policy {id} -value {value}"), "proceed"]);
        assert!(out.contains("destructive HSM policy"), "policy {id}: {out}");
        ok(&out);
        assert!(!state(&s).partition, "policy {id} destroys the partition");
    }
    // Refused values change nothing.
    let mut s = Session::new();
    furnished(&mut s);
    for (line, code) in [
        ("hsm changehsmpolicy -policy 7 -value 2", "RM_ELEMENT_VALUE_INVALID"),
        ("hsm changehsmpolicy -policy 99 -value 1", "RM_ELEMENT_ID_INVALID"),
        ("hsm changehsmpolicy -policy 35 -value 1", "LUNA_RET_RM_CONFIG_CHANGE_ILLEGAL"),
        ("hsm changehsmpolicy -policy 0 -value 1", "RM_POLICY_WRITE_RESTRICTED"),
        ("hsm changehsmpolicy -policy 7", "Syntax error"),
    ] {
        let out = s.run(&[line, "proceed"]);
        assert!(out.contains(code) || s.last.contains(code) || s.transcript.contains(code), "{line}: {out}");
        assert!(state(&s).partition, "{line} destroyed nothing");
    }
}

#[test]
fn hard_init_keeps_auditor_and_policies() {
    let mut s = Session::new();
    furnished(&mut s);
    s.run(&["hsm zeroize", "proceed"]);
    let out = s.run_all(&["hsm init -label again -ipwd -password userpin2 -domain dom2", "proceed"]);
    assert!(out.contains("All contents of the HSM will be destroyed."), "{out}");
    ok(&out);
    let expect = State { so: true, auditor: true, partition: false, po: false, co: false, policies_kept: true };
    assert_eq!(state(&s), expect);
    ok(&s.enter("role login -name so -password userpin2"));
}

#[test]
fn soft_init_keeps_so_domain_auditor_and_policies_and_destroys_the_partition() {
    let mut s = Session::new();
    furnished(&mut s);
    let out = s.run_all(&["hsm init -label renamed", "proceed", "userpin1"]);
    assert!(out.contains("You are required to provide the current SO password."), "{out}");
    ok(&out);
    let expect = State { so: true, auditor: true, partition: false, po: false, co: false, policies_kept: true };
    assert_eq!(state(&s), expect);
    ok(&s.enter("role login -name so -password userpin1"));
}

#[test]
fn partition_hard_init_after_the_partition_so_zeroized_it() {
    let mut s = Session::new();
    furnished(&mut s);
    s.enter("slot set -slot 3");
    for i in 1..=10 {
        s.enter(&format!("role login -name po -password wrongpw{i}"));
    }
    assert!(!state(&s).po && !state(&s).co);
    let out = s.enter("partition init -label fresh -password popin999 -domain pdomain2 -force");
    assert!(out.contains("You are about to initialize the partition.\n"), "{out}");
    ok(&out);
    let expect = State { so: true, auditor: true, partition: true, po: true, co: false, policies_kept: true };
    assert_eq!(state(&s), expect);
}

#[test]
fn partition_soft_init_asks_for_the_partition_so_and_destroys_its_roles() {
    let mut s = Session::new();
    furnished(&mut s);
    s.enter("slot set -slot 3");
    let out = s.run(&["partition init -label again", "proceed", "wrongpw1", "popin456", "popin456"]);
    assert!(out.contains("CKR_PIN_INCORRECT") && state(&s).co, "a wrong current password changes nothing: {out}");
    let out = s.run_all(&["partition init -label again", "proceed", "popin123", "popin456", "popin456"]);
    assert!(out.contains("You are required to provide the current Partition SO password."), "{s:?}", s = s.transcript);
    ok(&out);
    let expect = State { so: true, auditor: true, partition: true, po: true, co: false, policies_kept: true };
    assert_eq!(state(&s), expect);
    ok(&s.enter("role login -name po -password popin456"));
    check_golden!("effects_partition_soft_init", &s.transcript);
}

#[test]
fn zeroize_keeps_and_factory_reset_erases_the_remote_ped_vector() {
    let mut s = Session::new();
    s.recover_new_unit();
    s.run(&["hsm init -label pedHSM -iped", "proceed"]);
    create_keyset(&mut s, 1, &[k(1)]);
    create_keyset(&mut s, 1, &[k(2)]);
    s.enter("role login -name so");
    present(&mut s, 1, None);
    s.enter("ped vector init");
    create_keyset(&mut s, 1, &[k(3)]);
    assert!(s.world.hsm().info().rpv_initialized);
    s.run(&["hsm zeroize", "proceed"]);
    assert!(s.world.hsm().info().rpv_initialized, "zeroize leaves the RPV");
    s.run(&["hsm factoryreset", "proceed"]);
    assert!(!s.world.hsm().info().rpv_initialized, "factory reset erases it");
}

#[test]
fn an_hsm_policy_template_carries_settings_to_a_second_unit() {
    // Exported from an uninitialized unit: the defaults, the source left blank.
    let mut first = Session::new();
    first.recover_new_unit();
    ok(&first.enter("hsm showpolicies -exporttemplate /templates/HSMPT"));
    let text = first.world.files().get("/templates/HSMPT").unwrap().to_string();
    assert!(text.starts_with("# HSM Policy template FW Version 7.7.2\n# Sourced from HSM: , SN:\n"), "{text}");
    assert!(text.contains("15:\"SO can reset partition PIN\":0\n"), "{text}");
    // Edited as the guide says: a value changed, a line commented out (it takes the default).
    let edited = text
        .replace("15:\"SO can reset partition PIN\":0", "15:\"SO can reset partition PIN\":1")
        .replace("49:\"Allow Partition Utilization Metrics\":0", "#49:\"Allow Partition Utilization Metrics\":1");
    let mut second = Session::new();
    second.recover_new_unit();
    second.world.put_file("/templates/HSMPT", edited.clone()).unwrap();
    ok(&second.run(&[
        "hsm init -label second -ipwd -password userpin1 -domain mydomain -applytemplate /templates/HSMPT",
        "proceed",
    ]));
    assert_eq!(second.world.hsm().policies().get(15), Some(1));
    assert_eq!(second.world.hsm().policies().get(49), Some(0));
    // A bad value fails the initialization, naming the line; the unit stays zeroized.
    let mut third = Session::new();
    third.recover_new_unit();
    third.world.put_file("/templates/bad", edited.replace("\"Allow cloning\":1", "\"Allow cloning\":7")).unwrap();
    let out =
        third.enter("hsm init -label third -ipwd -password userpin1 -domain mydomain -applytemplate /templates/bad");
    assert!(out.contains("is invalid at line") && out.contains("Error: 'hsm init' failed"), "{out}");
    assert!(third.world.hsm().zeroized());
    let out = third.enter("hsm init -label third -ipwd -applytemplate /templates/missing");
    assert!(out.contains("The host has no file '/templates/missing'"), "{out}");
    // Once initialized, the unit's own template names it.
    ok(&second.run(&["role login -name so -password userpin1", "hsm showpolicies -exporttemplate /t2"]));
    assert!(second.world.files().get("/t2").unwrap().contains("# Sourced from HSM: second, SN: "));
    check_golden!("hsm_policy_template", &third.transcript);
}

#[test]
fn a_partition_policy_template_applies_at_partition_init() {
    let mut s = Session::new();
    s.recover_new_unit();
    s.hard_init("unit", "userpin1");
    s.run(&["role login -name so -password userpin1", "partition create", "slot set -slot 3"]);
    ok(&s.enter("partition showpolicies -exporttemplate /t/ppt"));
    let text = s.world.files().get("/t/ppt").unwrap().to_string();
    assert!(text.starts_with("# Partition Policy template\n"), "{text}");
    let line = text.lines().find(|l| l.starts_with("Max failed user logins allowed")).unwrap().to_string();
    s.world.put_file("/t/ppt", text.replace(&line, "Max failed user logins allowed = 20,4")).unwrap();
    ok(&s.enter("partition init -label par1 -password popin123 -domain pdomain1 -applytemplate /t/ppt -force"));
    assert_eq!(s.world.hsm().partition().unwrap().policies().get(20), Some(4));
    // On an initialized partition a template no longer applies.
    let out = s.enter("partition init -label par1 -applytemplate /t/ppt");
    assert!(out.contains("Syntax error"), "{out}");
    // Private key cloning and wrapping exclude each other.
    s.world.put_file("/t/bad", "Allow private key cloning = 0,1\nAllow private key wrapping = 1,1\n".into()).unwrap();
    s.run(&["slot set -slot 4", "partition delete -force", "partition create", "slot set -slot 3"]);
    let out = s.enter("partition init -label par2 -password popin123 -domain pdomain1 -applytemplate /t/bad -force");
    assert!(out.contains("RM_CONFIG_CHANGE_FAILS_DEPENDENCIES") && out.contains("line 2"), "{out}");
    assert!(!s.world.hsm().partition().unwrap().initialized());
}

#[test]
fn worlds_saved_by_the_first_format_load_and_work() {
    // A password unit, initialized, with one failed SO login and a stickered key.
    let old = include_str!("fixtures/world-v1-password.json");
    let mut world = World::from_json(old).expect("a version 1 world loads");
    assert_eq!(world.hsm().label(), "oldPwUnit");
    assert_eq!(world.hsm().info().so_failed_logins, 1);
    assert_eq!(world.hsm().auth(), Some(AuthMethod::Password));
    assert!(world.ikeys().iter().any(|k| k.id == 2 && k.label == "spare"));
    world.start_session(NOW);
    assert!(world.enter("role login -name so -password userpin1", NOW).text.contains("No Error"));
    assert!(world.enter("partition create", NOW).text.contains("No Error"));
    // A multifactor unit saved in the middle of a credential change, with an iKey in the port and an RPV.
    let old = include_str!("fixtures/world-v1-multifactor.json");
    let world = World::from_json(old).expect("a version 1 multifactor world loads");
    assert_eq!(world.hsm().auth(), Some(AuthMethod::Multifactor));
    assert!(world.hsm().info().rpv_initialized);
    assert!(!world.hsm().ceremony_running(), "the old ceremony is cancelled");
    assert!(world.screen(NOW).note.unwrap_or_default().contains("cancelled when the simulator was updated"));
    assert!(world.hsm().port().is_some(), "the key in the port stays there");
    // Saved again, it is a version 2 world that loads as it is.
    let again = World::from_json(&world.to_json()).unwrap();
    assert_eq!(again, world);
}
