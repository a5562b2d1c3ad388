//! The checks against worlds built by short LunaCM scripts.

use super::*;
use crate::labs::{expand, NOW};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

const RECOVER: &[&str] = &["stm recover -randomuserstring ${random_user_string}", "proceed"];
const INIT: &[&str] = &["hsm init -label unit -ipwd -password userpin1 -domain mydomain -force"];
const PARTITION: &[&str] = &[
    "role login -name so -password userpin1",
    "partition create",
    "slot set -slot 3",
    "partition init -label par1 -password popin123 -domain pdomain1 -force",
    "role login -name po -password popin123",
    "role init -name co -password copin123",
    "role logout",
    "role login -name co -password copin123",
];

fn world(parts: &[&[&str]]) -> World {
    let mut w = World::new(7, NOW);
    w.start_session(NOW);
    for line in parts.iter().flat_map(|p| p.iter()) {
        let line = expand(line, &w);
        w.enter(&line, NOW);
    }
    assert!(!w.waiting_for_ped() && w.prompt() == crate::lunacm::PROMPT, "{}", w.prompt());
    w
}

fn eval(c: &Check, w: &World) -> Result<(), String> {
    c.evaluate(Ctx { world: w, since: 0, now_ms: NOW })
}

/// `c` fails on `bad` (with a message naming what was expected) and passes on `good`.
fn splits(c: Check, bad: &World, good: &World) {
    let e = eval(&c, bad).expect_err(&c.describe());
    assert!(e.starts_with(&format!("expected {}", c.describe())), "{e}");
    eval(&c, good).unwrap_or_else(|e| panic!("{e}"));
}

fn role(r: &str) -> RoleName {
    RoleName::try_from(r.to_string()).unwrap()
}

#[test]
fn stm_and_its_recovery() {
    let fresh = world(&[]);
    let recovered = world(&[RECOVER]);
    let wrong = world(&[&["stm recover -randomuserstring AAAA-BBBB-CCCC-DDDD", "proceed"]]);
    splits(Check::Stm { active: false }, &fresh, &recovered);
    splits(Check::Stm { active: true }, &recovered, &fresh);
    splits(Check::StmRecovered { matching: true }, &fresh, &recovered);
    splits(Check::StmRecovered { matching: true }, &wrong, &recovered);
    splits(Check::StmRecovered { matching: false }, &recovered, &wrong);
}

#[test]
fn initialization_label_and_authentication() {
    let fresh = world(&[RECOVER]);
    let init = world(&[RECOVER, INIT]);
    splits(Check::Initialized { auth: Auth::Password }, &fresh, &init);
    let e = eval(&Check::Initialized { auth: Auth::Multifactor }, &init).unwrap_err();
    assert!(e.contains("it uses password authentication"), "{e}");
    splits(Check::AuthMethod { value: AuthSetting::None }, &init, &fresh);
    splits(Check::AuthMethod { value: AuthSetting::Password }, &fresh, &init);
    splits(Check::Zeroized { value: true }, &init, &fresh);
    splits(Check::Zeroized { value: false }, &fresh, &init);
    splits(Check::Label { value: "unit".into() }, &fresh, &init);
    let e = eval(&Check::Label { value: "other".into() }, &init).unwrap_err();
    assert!(e.contains("the label is \"unit\""), "{e}");
}

#[test]
fn roles_logins_and_forced_changes() {
    let init = world(&[RECOVER, INIT]);
    let so = world(&[RECOVER, INIT, &["role login -name so -password userpin1"]]);
    let co = world(&[RECOVER, INIT, PARTITION]);
    let changed =
        world(&[RECOVER, INIT, PARTITION, &["role changepw -name co -oldpw copin123 -newpw copin456 -force"]]);
    splits(Check::RoleInitialized { role: role("co"), value: true }, &init, &co);
    splits(Check::RoleInitialized { role: role("co"), value: false }, &co, &init);
    splits(Check::RoleLoggedIn { role: role("so"), value: true }, &init, &so);
    splits(Check::RoleLoggedIn { role: role("co"), value: true }, &so, &co);
    splits(Check::CredentialChanged { role: role("co") }, &co, &changed);
    splits(Check::MustChange { role: role("co"), value: true }, &changed, &co);
    splits(Check::MustChange { role: role("co"), value: false }, &co, &changed);
}

#[test]
fn a_keyset_its_quorum_pins_and_duplicates() {
    // The SO keyset: 2 of 3, iKeys 1 and 2 with PINs, a duplicate of split 1 on iKey 4; the domain 1 of 1.
    let mut lines = vec!["hsm init -label quorum -iped", "proceed", "sim tap New", "sim keypad 2", "sim tap Enter"];
    lines.extend(["sim keypad 3", "sim tap Enter"]);
    lines.extend(["sim ikey insert 1", "sim tap Yes", "sim keypad 1111", "sim tap Enter", "sim keypad 1111"]);
    lines.extend(["sim tap Enter", "sim tap Yes", "sim ikey remove", "sim ikey insert 4", "sim tap No"]);
    lines.extend(["sim ikey remove", "sim ikey insert 2", "sim tap Yes", "sim keypad 2222", "sim tap Enter"]);
    lines.extend(["sim keypad 2222", "sim tap Enter", "sim tap No", "sim ikey remove", "sim ikey insert 3"]);
    lines.extend(["sim tap No", "sim tap No", "sim ikey remove"]);
    let domain = ["sim tap New", "sim keypad 1", "sim tap Enter", "sim keypad 1", "sim tap Enter"];
    lines.extend(domain);
    lines.extend(["sim ikey insert 5", "sim tap No", "sim tap No", "sim ikey remove"]);
    let quorum = world(&[RECOVER, &lines]);
    let password = world(&[RECOVER, INIT]);
    let keyset = |pins, dups| Check::Keyset { role: role("so"), m: 2, n: 3, pins, duplicates_at_least: dups };
    splits(keyset(None, Some(1)), &password, &quorum);
    let e = eval(&keyset(Some(true), None), &quorum).unwrap_err();
    assert!(e.contains("1 of its 4 iKeys on the desk have no PIN"), "{e}");
    let e = eval(&keyset(None, Some(2)), &quorum).unwrap_err();
    assert!(e.contains("1 duplicate(s)"), "{e}");
    let e = eval(&Check::Keyset { role: role("so"), m: 1, n: 1, pins: None, duplicates_at_least: None }, &quorum)
        .unwrap_err();
    assert!(e.contains("its keyset is 2 of 3"), "{e}");
    // Without iKey 3 (the one without a PIN), every remaining key has one.
    let mut lost = quorum.clone();
    lost.lose_ikey(3).unwrap();
    splits(keyset(Some(true), Some(1)), &quorum, &lost);
}

#[test]
fn policies_and_the_partition() {
    let init = world(&[RECOVER, INIT]);
    let p15 = world(&[
        RECOVER,
        INIT,
        &["role login -name so -password userpin1", "hsm changehsmpolicy -policy 15 -value 1", "proceed"],
    ]);
    let co = world(&[RECOVER, INIT, PARTITION]);
    let created = world(&[RECOVER, INIT, &["role login -name so -password userpin1", "partition create"]]);
    let p20 = world(&[
        RECOVER,
        INIT,
        PARTITION,
        &["role logout", "role login -name po -password popin123", "partition changepolicy -policy 20 -value 3"],
    ]);
    splits(Check::HsmPolicy { id: 15, value: 1 }, &init, &p15);
    splits(Check::PartitionPolicy { id: 20, value: 3 }, &init, &p20);
    splits(Check::PartitionPolicy { id: 20, value: 3 }, &co, &p20);
    splits(Check::Partition { exists: true, initialized: None }, &init, &created);
    splits(Check::Partition { exists: true, initialized: Some(true) }, &created, &co);
    splits(Check::Partition { exists: false, initialized: None }, &co, &init);
}

#[test]
fn events_lockouts_the_auditor_and_host_files() {
    let init = world(&[RECOVER, INIT]);
    let bad = ["role login -name so -password wrongpw1", "role login -name so -password wrongpw2"];
    let two_bad = world(&[RECOVER, INIT, &bad]);
    let failed = Check::Event { name: EventName::LoginFailed, count_at_least: 2, role: Some(role("so")) };
    splits(failed.clone(), &init, &two_bad);
    let e = eval(&failed, &init).unwrap_err();
    assert!(e.contains("logged 0"), "{e}");
    splits(Check::Event { name: EventName::HsmInitialized, count_at_least: 1, role: None }, &world(&[RECOVER]), &init);
    let lock = [
        "role logout",
        "role login -name po -password popin123",
        "partition changepolicy -policy 20 -value 3",
        "role logout",
        "role login -name co -password wrongpw1",
        "role login -name co -password wrongpw2",
        "role login -name co -password wrongpw3",
    ];
    let co = world(&[RECOVER, INIT, PARTITION]);
    let locked = world(&[RECOVER, INIT, PARTITION, &lock]);
    splits(Check::LockedOut { role: role("co"), value: true }, &co, &locked);
    splits(Check::LockedOut { role: role("co"), value: false }, &locked, &co);
    let auditor = world(&[RECOVER, INIT, &["role init -name au", "aupin123", "aupin123"]]);
    splits(Check::Auditor { initialized: true }, &init, &auditor);
    splits(Check::Auditor { initialized: false }, &auditor, &init);
    let exported =
        world(&[RECOVER, INIT, &["role login -name so -password userpin1", "hsm showpolicies -exporttemplate /t/hsm"]]);
    splits(Check::HostFile { name: "/t/hsm".into(), contains: None }, &init, &exported);
    let e = eval(&Check::HostFile { name: "/t/hsm".into(), contains: Some("nowhere".into()) }, &exported).unwrap_err();
    assert!(e.contains("does not contain"), "{e}");
}

#[test]
fn firmware_version_and_rollback_target() {
    let update = [
        "role login -name so -password userpin1",
        "sim firmware get 7.8.4",
        "hsm updatefw -fuf fw-7.8.4.fuf -authcode fw-7.8.4.txt",
    ];
    let shipped = world(&[RECOVER, INIT]);
    let updated = world(&[RECOVER, INIT, &update]);
    let rolled_back =
        world(&[RECOVER, INIT, &update, &["role login -name so -password userpin1", "hsm rollbackfw -force"]]);
    let (v772, v784) = (Version::new(7, 7, 2), Version::new(7, 8, 4));
    splits(Check::Firmware { version: v784, rollback: None }, &shipped, &updated);
    splits(Check::Firmware { version: v784, rollback: Some(Rollback(Some(v772))) }, &shipped, &updated);
    splits(Check::Firmware { version: v772, rollback: None }, &updated, &rolled_back);
    splits(Check::Firmware { version: v772, rollback: Some(Rollback(None)) }, &updated, &shipped);
    let e = eval(&Check::Firmware { version: v772, rollback: Some(Rollback(Some(v772))) }, &rolled_back);
    assert!(e.unwrap_err().ends_with("it has no rollback target"));
    let e = eval(&Check::Firmware { version: v772, rollback: None }, &updated).unwrap_err();
    assert!(e.ends_with("it runs 7.8.4"), "{e}");
    let parsed: Check = serde_json::from_str(r#"{"kind":"firmware","version":"7.8.4","rollback":"none"}"#).unwrap();
    assert_eq!(parsed, Check::Firmware { version: v784, rollback: Some(Rollback(None)) });
    assert!(serde_json::from_str::<Check>(r#"{"kind":"firmware","version":"7.8"}"#).is_err());
    assert!(serde_json::from_str::<Check>(r#"{"kind":"firmware","version":"7.8.4","rollback":"old"}"#).is_err());
}

#[test]
fn only_events_since_the_lab_began_count() {
    let w = world(&[RECOVER, INIT]);
    let c = Check::Event { name: EventName::HsmInitialized, count_at_least: 1, role: None };
    let since = w.hsm().emitted();
    assert!(c.evaluate(Ctx { world: &w, since, now_ms: NOW }).is_err());
}

#[test]
fn key_objects_and_what_a_zeroize_leaves() {
    let co = world(&[RECOVER, INIT, PARTITION]);
    let changed = "role changepw -name co -oldpw copin123 -newpw copin456 -force";
    let aes = "cmu generatekey -slot=3 -password=copin456 -keyType=AES -keysize=32 -encrypt=1 -label=k1";
    let one = world(&[RECOVER, INIT, PARTITION, &[changed, aes]]);
    assert_eq!(one.hsm().partition().map(|p| p.objects().count()), Some(1), "the key was generated");
    splits(Check::Objects { count: 1, remains: None }, &co, &one);
    splits(Check::Objects { count: 0, remains: None }, &one, &co);
    let e = eval(&Check::Objects { count: 1, remains: None }, &co).unwrap_err();
    assert!(e.ends_with("the partition holds 0 key object(s)"), "{e}");
    // A zeroize destroys the partition and leaves its one sealed object in storage until a power-up.
    let zeroized =
        world(&[RECOVER, INIT, PARTITION, &[changed, aes, "role logout", "slot set -slot 4", "hsm zeroize -force"]]);
    splits(Check::Objects { count: 0, remains: Some(1) }, &co, &zeroized);
    let e = eval(&Check::Objects { count: 0, remains: Some(0) }, &zeroized).unwrap_err();
    assert!(e.ends_with("storage keeps 1 undecodable object(s)"), "{e}");
}

#[test]
fn a_halted_unit_whatever_the_reason() {
    let running = world(&[RECOVER, INIT]);
    let halted = world(&[RECOVER, INIT, &["sim fault volatile"]]);
    assert!(running.hsm().halt().is_none() && halted.hsm().halt().is_some());
    splits(Check::Halted { value: true }, &running, &halted);
    splits(Check::Halted { value: false }, &halted, &running);
    let e = eval(&Check::Halted { value: true }, &running).unwrap_err();
    assert!(e.contains("the HSM Status is"), "{e}");
}

#[test]
fn events_since_the_lab_began_count_after_the_log_drops_its_oldest() {
    const KEPT: usize = crate::device::EVENTS_KEPT;
    let login_logout = |w: &mut World, times: usize| {
        for _ in 0..times {
            w.enter("role login -name so -password userpin1", NOW);
            w.enter("role logout", NOW);
        }
    };
    let logins =
        |n: usize| Check::Event { name: EventName::LoginSucceeded, count_at_least: n as u32, role: Some(role("so")) };
    // Before the lab, the log fills up nearly to its limit with logins the lab must not count.
    let mut w = world(&[RECOVER, INIT]);
    login_logout(&mut w, KEPT * 9 / 20);
    let since = w.hsm().emitted();
    // A hundred logins into the lab, the log has dropped its oldest events; the lab's are all kept.
    login_logout(&mut w, 100);
    assert_eq!(w.hsm().events().len(), KEPT);
    let ctx = Ctx { world: &w, since, now_ms: NOW };
    logins(100).evaluate(ctx).unwrap_or_else(|e| panic!("{e}"));
    let e = logins(101).evaluate(ctx).unwrap_err();
    assert!(e.ends_with("the device logged 100 since the lab began"), "{e}");
    // More events than the log keeps during the lab: every event kept is the lab's (half of them logins).
    login_logout(&mut w, KEPT / 2);
    assert!(w.hsm().emitted() - since > KEPT as u64);
    let ctx = Ctx { world: &w, since, now_ms: NOW };
    logins(KEPT / 2).evaluate(ctx).unwrap_or_else(|e| panic!("{e}"));
    let e = logins(KEPT / 2 + 1).evaluate(ctx).unwrap_err();
    assert!(e.ends_with(&format!("the device logged {} since the lab began", KEPT / 2)), "{e}");
}
