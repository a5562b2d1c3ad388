//! Firmware update and rollback (chapter 12): the refusals (Secure Transport Mode, a wrong authentication
//! code, an altered or unsigned file, a downgrade), an update that keeps the HSM's contents, a rollback
//! that zeroizes and restarts LunaCM, no second rollback, the audit records, and what depends on the
//! running version.

mod common;

use common::{fails, ok, Session};
use hsm_core::device::audit::parse_line;
use hsm_core::device::firmware::Version;
use hsm_core::device::Role;
use hsm_core::World;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

const SO: &str = "sopass12";
const AU: &str = "audpass1";
const FUF_784: &str = "/usr/safenet/lunaclient/bin/fw-7.8.4.fuf";
const TXT_784: &str = "/usr/safenet/lunaclient/bin/fw-7.8.4.txt";

/// A recovered unit with an Auditor logging management events to the host, an HSM SO and a partition.
fn unit_with_contents() -> Session {
    let mut s = Session::new();
    s.recover_new_unit();
    ok(&s.enter(&format!("role init -name au -password {AU}")));
    ok(&s.enter(&format!("role login -name au -password {AU}")));
    ok(&s.enter("role setdomain -name au -domain auditdomain1"));
    ok(&s.enter("audit config path /var/audit evmask m,s,f"));
    ok(&s.enter("role logout"));
    s.hard_init("fwlab", SO);
    ok(&s.enter(&format!("role login -name so -password {SO}")));
    ok(&s.enter("partition create -force"));
    s
}

/// The operations of every audit record on the host, oldest first.
fn logged(world: &World) -> Vec<(String, String)> {
    world
        .files()
        .iter()
        .filter(|(n, _)| n.ends_with(".log"))
        .flat_map(|(_, t)| t.lines().map(|l| parse_line(l).unwrap().view()).collect::<Vec<_>>())
        .map(|v| (v.what, v.result))
        .collect()
}

fn firmware(s: &Session) -> (Version, Option<Version>) {
    let f = s.world.hsm().firmware();
    (f.running(), f.rollback())
}

#[test]
fn update_refusals_then_update_keeps_contents_and_rollback_zeroizes() {
    let mut s = unit_with_contents();
    let listing = s.enter("sim firmware list");
    assert!(listing.contains("7.8.4") && listing.contains("runs 7.7.2 (rollback target: none)"), "{listing}");
    s.enter("sim firmware get 7.8.4");
    s.enter("sim firmware get 7.9.1");
    s.enter("sim firmware get 7.7.2");
    assert!(s.world.files().get(FUF_784).is_some_and(|t| t.starts_with("Luna Firmware Update File\n")));
    let v772 = Version::new(7, 7, 2);

    // Nothing to roll back to before any update.
    fails(&s.enter("hsm rollbackfw -force"), "LUNA_RET_OPERATION_NOT_INITIALIZED");
    // Policy 56 is not in firmware 7.7.2.
    fails(&s.enter("hsm changehsmpolicy -policy 56 -value 0 -force"), "LUNA_RET_RM_ELEMENT_ID_INVALID");

    // Secure Transport Mode refuses it, with the code the guide's troubleshooting names.
    let entered = s.run(&["stm transport", "proceed"]);
    let rus = entered.lines().find_map(|l| l.split_once("Random User String:")).map(|(_, v)| v.trim().to_string());
    ok(&s.enter(&format!("role login -name so -password {SO}")));
    let out = s.enter("hsm updatefw -fuf fw-7.8.4.fuf -authcode fw-7.8.4.txt");
    fails(&out, "(10A0B : LUNA_RET_OPERATION_RESTRICTED)");
    assert!(out.contains("Secure Transport Mode"), "{out}");
    ok(&s.run(&[&format!("stm recover -randomuserstring {}", rus.unwrap()), "proceed"]));

    // Files that are missing, not update files, mismatched, altered or unsigned.
    fails(&s.enter("hsm updatefw -fuf fw-9.9.9.fuf -authcode fw-7.8.4.txt"), "CKR_ARGUMENTS_BAD");
    fails(&s.enter("hsm updatefw -fuf fw-7.8.4.txt -authcode fw-7.8.4.txt"), "LUNA_RET_INVALID_FUF_HEADER");
    fails(&s.enter("hsm updatefw -fuf fw-7.8.4.fuf -authcode fw-7.9.1.txt"), "LUNA_RET_CHALLENGE_RESPONSE_INCORRECT");
    let genuine = s.world.files().get(FUF_784).unwrap().to_string();
    // One character of the version line: 7.8.4 becomes 7.8.5.
    s.world.put_file("/tmp/altered.fuf", genuine.replacen("Version: 7.8.4", "Version: 7.8.5", 1)).unwrap();
    fails(&s.enter(&format!("hsm updatefw -fuf /tmp/altered.fuf -authcode {TXT_784}")), "LUNA_RET_SIGNATURE_INVALID");
    // One character of the image.
    let at = genuine.find("\n\n").unwrap() + 10;
    let mut image = genuine.clone().into_bytes();
    image[at] = if image[at] == b'Q' { b'R' } else { b'Q' };
    s.world.put_file("/tmp/image.fuf", String::from_utf8(image).unwrap()).unwrap();
    fails(&s.enter(&format!("hsm updatefw -fuf /tmp/image.fuf -authcode {TXT_784}")), "LUNA_RET_SIGNATURE_INVALID");
    let unsigned: String =
        genuine.lines().filter(|l| !l.starts_with("Signature: ")).map(|l| format!("{l}\n")).collect();
    s.world.put_file("/tmp/unsigned.fuf", unsigned).unwrap();
    fails(
        &s.enter(&format!("hsm updatefw -fuf /tmp/unsigned.fuf -authcode {TXT_784}")),
        "LUNA_RET_SIGNATURE_LEN_RANGE",
    );
    // The running version again is not an update.
    fails(&s.enter("hsm updatefw -fuf fw-7.7.2.fuf -authcode fw-7.7.2.txt"), "LUNA_RET_INVALID_FUF_VERSION");
    assert_eq!(firmware(&s), (v772, None), "nothing refused changed the firmware");

    // The update: contents kept, the HSM restarted.
    let out = s.enter(&format!("hsm updatefw -fuf {FUF_784} -authcode fw-7.8.4.txt"));
    ok(&out);
    assert!(out.contains("The HSM restarted with firmware 7.8.4. Firmware 7.7.2 is kept for rollback."), "{out}");
    assert_eq!(firmware(&s), (Version::new(7, 8, 4), Some(v772)));
    assert!(!s.world.hsm().zeroized() && s.world.hsm().partition().is_some());
    assert!(s.world.hsm().admin_roles().get(Role::Auditor).is_some());
    assert_eq!(s.world.hsm().logged_in(4), None, "the restart logged the SO out");
    let info = s.run(&[&format!("role login -name so -password {SO}"), "hsm showinfo"]);
    assert!(info.contains("Firmware Version -> 7.8.4\n") && info.contains("Rollback Firmware Version -> 7.7.2\n"));
    assert!(s.enter("slot list").contains("Firmware Version ->     7.8.4"));
    // A downgrade is refused; policy 56 is now there.
    fails(&s.enter("hsm updatefw -fuf fw-7.7.2.fuf -authcode fw-7.7.2.txt"), "LUNA_RET_INVALID_FUF_VERSION");
    ok(&s.enter("hsm showpolicies -exporttemplate /tmp/HSMPT"));
    assert!(s.world.files().get("/tmp/HSMPT").unwrap().starts_with("# HSM Policy template FW Version 7.8.4\n"));

    // The rollback: destructive, to the saved version, and LunaCM restarts.
    let out = s.run_all(&["hsm rollbackfw", "proceed"]);
    ok(&out);
    assert!(out.contains("CAUTION") && out.contains("lunacm (64-bit) v"), "a new banner: {out}");
    assert_eq!(firmware(&s), (v772, None));
    assert!(s.world.hsm().zeroized() && s.world.hsm().partition().is_none());
    assert!(s.world.hsm().admin_roles().get(Role::Auditor).is_some(), "zeroize keeps the Auditor");
    let info = s.enter("hsm showinfo");
    assert!(info.contains("Firmware Version -> 7.7.2\n") && !info.contains("Rollback Firmware Version"), "{info}");

    // No second rollback until the next update.
    s.hard_init("fwlab", SO);
    ok(&s.enter(&format!("role login -name so -password {SO}")));
    let out = s.enter("hsm rollbackfw -force");
    fails(&out, "LUNA_RET_CANNOT_PERFORM_OPERATION_TWICE");
    assert!(out.contains("until the next firmware update"), "{out}");
    ok(&s.enter("hsm updatefw -fuf fw-7.9.1.fuf -authcode fw-7.9.1.txt"));
    assert_eq!(firmware(&s), (Version::new(7, 9, 1), Some(v772)));

    // The audit log: refused updates as failed INIT records, the update's three stages, the rollback. A
    // rollback refused before its question (no target, a second one) never reached the firmware, nor did an
    // update whose file was missing on the host.
    let records = logged(&s.world);
    let fw: Vec<(&str, &str)> = records
        .iter()
        .filter(|(what, _)| what.starts_with("LUNA_FW_"))
        .map(|(w, r)| (w.as_str(), r.split('(').next().unwrap_or_default()))
        .collect();
    let ok_ = "LUNA_RET_OK";
    let init = "LUNA_FW_UPGRADE_INIT";
    assert_eq!(
        fw,
        [
            (init, "LUNA_RET_OPERATION_RESTRICTED"),
            (init, "LUNA_RET_INVALID_FUF_HEADER"),
            (init, "LUNA_RET_CHALLENGE_RESPONSE_INCORRECT"),
            (init, "LUNA_RET_SIGNATURE_INVALID"),
            (init, "LUNA_RET_SIGNATURE_INVALID"),
            (init, "LUNA_RET_SIGNATURE_LEN_RANGE"),
            (init, "LUNA_RET_INVALID_FUF_VERSION"),
            (init, ok_),
            ("LUNA_FW_UPGRADE_UPDATE", ok_),
            ("LUNA_FW_UPGRADE_FINAL", ok_),
            (init, "LUNA_RET_INVALID_FUF_VERSION"),
            ("LUNA_FW_ROLLBACK", ok_),
            (init, ok_),
            ("LUNA_FW_UPGRADE_UPDATE", ok_),
            ("LUNA_FW_UPGRADE_FINAL", ok_),
        ]
    );
    let text = s.world.files().iter().filter(|(n, _)| n.ends_with(".log")).map(|(_, t)| t).collect::<String>();
    assert!(text.contains("LUNA_FW_UPGRADE_FINAL returned LUNA_RET_OK(0x00000000) firmware 7.7.2 to 7.8.4"));
    assert!(text.contains("LUNA_FW_ROLLBACK returned LUNA_RET_OK(0x00000000) firmware 7.8.4 to 7.7.2"));
    check_golden!("firmware_update_and_rollback", &s.transcript);
}

#[test]
fn firmware_commands_need_the_hsm_so_and_the_admin_slot() {
    let mut s = Session::new();
    s.recover_new_unit();
    s.enter("sim firmware get 7.8.4");
    fails(&s.enter("hsm updatefw -fuf fw-7.8.4.fuf -authcode fw-7.8.4.txt"), "CKR_USER_NOT_LOGGED_IN");
    fails(&s.enter("hsm rollbackfw"), "CKR_USER_NOT_LOGGED_IN");
    fails(&s.enter("hsm updatefw -fuf fw-7.8.4.fuf"), "CKR_ARGUMENTS_BAD");
    s.hard_init("fw", SO);
    ok(&s.enter(&format!("role login -name so -password {SO}")));
    ok(&s.enter("partition create -force"));
    s.enter("slot set -slot 3");
    fails(&s.enter("hsm updatefw -fuf fw-7.8.4.fuf -authcode fw-7.8.4.txt"), "CKR_SLOT_ID_INVALID");
    s.enter("slot set -slot 4");
    ok(&s.enter("hsm updatefw -fuf fw-7.8.4.fuf -authcode fw-7.8.4.txt"));
    ok(&s.enter(&format!("role login -name so -password {SO}")));
    // Quitting at the caution changes nothing.
    let out = s.run_all(&["hsm rollbackfw", "quit"]);
    assert!(out.contains("User Cancelled Operation"), "{out}");
    assert_eq!(s.world.hsm().firmware().running(), Version::new(7, 8, 4));
    assert!(!s.world.hsm().zeroized());
    // Unknown releases and usage.
    assert!(s.enter("sim firmware get 7.8").contains("The portal has no firmware '7.8'"));
    assert!(s.enter("sim firmware").contains("Usage: sim firmware list"));
}

#[test]
fn policy_56_follows_the_running_firmware_in_templates_too() {
    let mut s = Session::new();
    s.recover_new_unit();
    let template = "# HSM Policy template FW Version 7.8.4\n56:\"Allow User Defined ECC Curves\":0\n";
    s.world.put_file("/tmp/from784", template.into()).unwrap();
    let out = s.run(&["hsm init -label t -ipwd -password sopass12 -domain dom -applytemplate /tmp/from784", "proceed"]);
    fails(&out, "LUNA_RET_RM_ELEMENT_ID_INVALID");
    assert!(s.world.hsm().zeroized());
    // The same value as now is no change, and is accepted.
    s.world.put_file("/tmp/same", template.replace(":0\n", ":1\n")).unwrap();
    ok(&s.run(&["hsm init -label t -ipwd -password sopass12 -domain dom -applytemplate /tmp/same", "proceed"]));
    ok(&s.enter(&format!("role login -name so -password {SO}")));
    let out = s.enter("hsm changehsmpolicy -policy 56 -value 0");
    fails(&out, "LUNA_RET_RM_ELEMENT_ID_INVALID");
    assert!(out.contains("HSM policy 56 needs firmware 7.7.3 or newer, and this HSM runs 7.7.2"), "{out}");
    assert!(!out.contains("destructive"), "no question for a change the firmware refuses: {out}");
    // Firmware 7.9.1 has it.
    s.enter("sim firmware get 7.9.1");
    ok(&s.enter("hsm updatefw -fuf fw-7.9.1.fuf -authcode fw-7.9.1.txt"));
    ok(&s.enter(&format!("role login -name so -password {SO}")));
    ok(&s.run(&["hsm changehsmpolicy -policy 56 -value 0", "proceed"]));
    assert_eq!(s.world.hsm().policies().get(56), Some(0));
}

#[test]
fn a_world_saved_before_firmware_was_state_runs_7_7_2() {
    for old in [include_str!("fixtures/world-v1-password.json"), include_str!("fixtures/world-v1-multifactor.json")] {
        let world = World::from_json(old).unwrap();
        let f = world.hsm().firmware();
        assert_eq!((f.running(), f.rollback()), (Version::new(7, 7, 2), None));
    }
}
