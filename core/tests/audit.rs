//! Audit logging (chapter 5): the chain's known answers, tamper detection at the right record, the event
//! mask, LOG FULL and its recovery, and the best-practice order (Auditor before HSM SO) as transcripts.

mod common;

use common::{create_keyset, fails, k, ok, present, Session, NOW};
use hsm_core::device::audit::record::{hex, ZERO_HMAC};
use hsm_core::device::audit::{verify::verify, After, Record, Tamper};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

const AU_PASSWORD: &str = "audpass1";
const LOG_DIR: &str = "/var/audit";

/// Three records chained under the secret 00 01 02 .. 1F. The expected HMACs were computed with
/// Python 3's standard `hmac` module, independently of this code:
///
/// ```text
/// import hmac, hashlib
/// secret = bytes(range(32)); prev = bytes(32)
/// for seq, ts, text in records:
///     raw = seq.to_bytes(4, "big") + bytes(44)
///     msg = (f"{seq:>10},{ts},{text:<256}" + "," + raw.hex().upper()).encode()
///     prev = hmac.new(secret, msg + prev, hashlib.sha256).digest()
/// ```
#[test]
fn the_chain_matches_hmacs_computed_independently() {
    let secret: [u8; 32] = core::array::from_fn(|i| i as u8);
    let texts = [
        "session 1 Access 2147483651:1 partition admin operation LUNA_CREATE_AUDIT_CONTAINER returned LUNA_RET_OK(0x00000000)",
        "session 1 Access 2147483651:1 partition admin role 8 operation LUNA_LOGIN returned LUNA_RET_OK(0x00000000)",
        "session 1 Access 2147483651:1 partition admin role 8 operation LUNA_LOG_EXTERNAL returned LUNA_RET_OK(0x00000000) message \"shift start\"",
    ];
    let expected = [
        "FDDB8784EA166D7E03438A2C3BC6A03932DBAA82D5325C5BAA674543E6BA0114",
        "3CB1D666342ED3456B43612DC59B2B2E608802EBF2A7C6B3FF93F0DE953EF274",
        "05B04ABD69D089230B3F8386DB9517E218A8508F9B0F6C282EEEBD418F52EBFB",
    ];
    let mut prev = ZERO_HMAC;
    let mut lines = Vec::new();
    for (i, text) in texts.iter().enumerate() {
        let seq = i as u64 + 1;
        let mut raw = [0u8; 48];
        raw[..4].copy_from_slice(&(seq as u32).to_be_bytes());
        let record = Record { seq, time_ms: NOW + i as u64 * 5000, text: text.to_string(), raw, prev };
        let line = record.line();
        assert_eq!(line.len(), 448);
        assert_eq!(&line[11..28], format!("11/24/25 16:00:{:02}", i * 5));
        prev = record.hmac(&secret);
        assert_eq!(hex(&prev), expected[i], "HMAC of record {seq}");
        lines.push(line);
    }
    let lines: Vec<&str> = lines.iter().map(|l| l.trim_end_matches('\n')).collect();
    let report = verify(&lines, &secret, &After::Newest { seq: 3, hmac: prev });
    assert_eq!((report.failure, report.verified, report.range), (None, 3, Some((1, 3))));
    // The same block under another secret fails at the first record the next one vouches for.
    let report = verify(&lines, &[1; 32], &After::Newest { seq: 3, hmac: prev });
    let failure = report.failure.expect("another secret does not verify");
    assert_eq!((failure.line, failure.tamper), (1, Tamper::Modified));
}

/// Recovers a new unit and creates the Auditor before the HSM SO, with its domain, clock and a log path
/// (the guide's best practice), logging `evmask`.
fn auditor_first(s: &mut Session, evmask: &str) {
    s.recover_new_unit();
    ok(&s.enter(&format!("role init -name au -password {AU_PASSWORD}")));
    ok(&s.enter(&format!("role login -name au -password {AU_PASSWORD}")));
    ok(&s.enter("role setdomain -name au -domain auditdomain1"));
    ok(&s.enter("audit time sync"));
    ok(&s.enter(&format!("audit config path {LOG_DIR} evmask {evmask} interval daily")));
    ok(&s.enter("role logout"));
}

/// The host's log files, by name.
fn log_files(s: &Session) -> Vec<(String, String)> {
    s.world.files().iter().filter(|(n, _)| n.ends_with(".log")).map(|(n, t)| (n.to_string(), t.to_string())).collect()
}

#[test]
fn the_auditor_before_the_so_captures_the_initialization() {
    let mut s = Session::new();
    s.enter("audit");
    fails(&s.enter("audit status"), "CKR_LOG_AUDIT_NOT_INITIALIZED");
    auditor_first(&mut s, "a,m,g,x,s,f");
    s.enter("audit config get");
    // Logged out, the Auditor's commands are refused; so is every other role's use of them.
    fails(&s.enter("audit config evmask none"), "CKR_USER_NOT_LOGGED_IN");
    s.hard_init("audited", "sopass12");
    ok(&s.enter("role login -name so -password sopass12"));
    fails(&s.enter("audit status"), "CKR_USER_NOT_LOGGED_IN");
    ok(&s.enter("partition create -force"));
    s.run(&["role logout", &format!("role login -name au -password {AU_PASSWORD}")]);
    s.enter("audit logmsg message \"HSM commissioned\"");
    s.enter("audit status");
    s.enter("audit export list");
    let files = log_files(&s);
    assert_eq!(files.len(), 1, "one file, not rotated yet: {files:?}");
    let (name, text) = &files[0];
    let whats: Vec<String> =
        text.lines().map(|l| hsm_core::device::audit::parse_line(l).unwrap().view().what).collect();
    for op in [
        "LUNA_CREATE_AUDIT_CONTAINER",
        "LUNA_LOG_SET_CONFIG",
        "LUNA_INIT_TOKEN",
        "LUNA_CREATE_CONTAINER",
        "LUNA_LOG_EXTERNAL",
    ] {
        assert!(whats.iter().any(|w| w == op), "{op} is in the log: {whats:?}");
    }
    ok(&s.enter(&format!("audit verify file {}", name.rsplit('/').next().unwrap())));
    check_golden!("auditor_before_the_so", &s.transcript);
}

#[test]
fn the_event_mask_decides_what_is_logged() {
    let mut s = Session::new();
    // Failed access attempts only.
    auditor_first(&mut s, "a,f");
    s.hard_init("masked", "sopass12");
    s.run(&["role login -name so -password wrongpass", "role login -name so -password sopass12", "role logout"]);
    s.run(&[&format!("role login -name au -password {AU_PASSWORD}"), "audit logmsg message \"not logged\""]);
    let (_, text) = log_files(&s).pop().expect("a log file");
    let views: Vec<_> = text.lines().map(|l| hsm_core::device::audit::parse_line(l).unwrap().view()).collect();
    let whats: Vec<&str> = views.iter().map(|v| v.what.as_str()).collect();
    // The unconditional events, and the one failed login; no successful login, no external message.
    assert_eq!(whats, ["LUNA_CREATE_AUDIT_CONTAINER", "LUNA_INIT_TOKEN", "LUNA_LOGIN"], "{text}");
    assert!(views[2].result.starts_with("LUNA_RET_UM_PIN_INCORRECT"), "{:?}", views[2]);
    assert!(views[2].who.ends_with("role 1"), "the HSM SO's role ID: {:?}", views[2]);
    // Successes and every category now: the next login and the message are logged.
    ok(&s.enter("audit config evmask all force"));
    s.enter("audit logmsg message \"logged now\"");
    let (_, text) = log_files(&s).pop().unwrap();
    assert!(text.contains("LUNA_LOG_EXTERNAL returned LUNA_RET_OK(0x00000000) message \"logged now\""), "{text}");
    for bad in ["t,s,f", "a", "s,f", "n,a,s"] {
        fails(&s.enter(&format!("audit config evmask {bad}")), "Invalid value");
    }
    check_golden!("evmask_filtering", &s.transcript);
}

#[test]
fn a_full_log_stops_the_hsm_until_the_auditor_configures_a_path() {
    let mut s = Session::new();
    s.recover_new_unit();
    s.enter("sim audit capacity 6");
    ok(&s.enter(&format!("role init -name au -password {AU_PASSWORD}")));
    ok(&s.enter(&format!("role login -name au -password {AU_PASSWORD}")));
    ok(&s.enter("role setdomain -name au -domain auditdomain1"));
    // No path: every record stays in the HSM.
    ok(&s.enter("audit config evmask a,m,s,f"));
    s.run(&["role logout"]);
    s.hard_init("full", "sopass12");
    ok(&s.enter("role login -name so -password sopass12"));
    s.enter("role logout");
    ok(&s.enter("role login -name so -password sopass12"));
    let out = s.enter("partition create -force");
    fails(&out, "CKR_LOG_FULL");
    assert!(out.contains("every operation stops until the Auditor"), "{out}");
    // Monitoring still works, and so does logging out and in; the Auditor can log in and configure.
    ok(&s.enter("slot list"));
    ok(&s.enter("role logout"));
    ok(&s.enter(&format!("role login -name au -password {AU_PASSWORD}")));
    fails(&s.enter("audit time sync"), "CKR_LOG_FULL");
    s.enter("audit status");
    assert!(s.world.hsm().audit().full());
    ok(&s.enter(&format!("audit config path {LOG_DIR}")));
    assert_eq!(s.world.hsm().audit().stored().len(), 0, "the records went to the host");
    s.enter("audit status");
    s.run(&["role logout", "role login -name so -password sopass12"]);
    ok(&s.enter("partition create -force"));
    let (_, text) = log_files(&s).pop().unwrap();
    assert!(text.lines().count() >= 6, "{text}");
    check_golden!("log_full_and_recovery", &s.transcript);
}

/// A unit with a log of at least `n` records in one file, logged with everything but log management (so
/// that verifying does not itself add to the file). Returns the file's path and text.
fn a_log_of(n: usize) -> (Session, String, String) {
    let mut s = Session::new();
    auditor_first(&mut s, "a,m,k,x,s,f");
    s.hard_init("tampered", "sopass12");
    while s.world.files().iter().find(|(n, _)| n.ends_with(".log")).map_or(0, |(_, t)| t.lines().count()) < n {
        s.run(&["role login -name so -password sopass12", "role logout"]);
    }
    s.enter(&format!("role login -name au -password {AU_PASSWORD}"));
    let (name, text) = log_files(&s).pop().unwrap();
    (s, name, text)
}

/// Puts `text` in the log file and verifies it; returns LunaCM's output.
fn verify_as(s: &mut Session, name: &str, lines: &[&str]) -> String {
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    s.world.put_file(name, text).unwrap();
    s.enter(&format!("audit verify file {name}"))
}

#[test]
fn verification_reports_each_kind_of_tampering_at_its_record() {
    let (mut s, name, text) = a_log_of(10);
    let lines: Vec<&str> = text.lines().collect();
    let n = lines.len();
    let first_seq: u64 = lines[0][..10].trim().parse().unwrap();
    let seq = |line: usize| first_seq + line as u64 - 1;

    let out = verify_as(&mut s, &name, &lines);
    ok(&out);
    assert!(out.contains(&format!("Verified messages {} to {}", seq(1), seq(n))), "{out}");

    // One character of record 5's message text.
    let mut changed = lines[4].to_string();
    changed.replace_range(40..41, if &changed[40..41] == "X" { "Y" } else { "X" });
    let mut v = lines.clone();
    v[4] = &changed;
    let mut changed2 = lines[1].to_string();
    changed2.replace_range(40..41, if &changed2[40..41] == "X" { "Y" } else { "X" });
    let out = verify_as(&mut s, &name, &v);
    fails(&out, "CKR_LOG_BAD_RECORD_HMAC");
    assert!(out.contains(&format!("Verify failed on record {} (line 5): modified", seq(5))), "{out}");
    assert!(out.contains(&format!("Verified messages {} to {}", seq(1), seq(4))), "{out}");
    let (file, report) = s.world.hsm().audit().last_verified().unwrap();
    assert_eq!((file, report.verified), (name.as_str(), 4));

    // Record 5 deleted: record 6 says what is missing before it.
    let mut v = lines.clone();
    v.remove(4);
    let out = verify_as(&mut s, &name, &v);
    assert!(out.contains(&format!("Verify failed on record {} (line 5): deleted", seq(6))), "{out}");

    // A copy of record 5 inserted after it.
    let mut v = lines.clone();
    v.insert(5, lines[4]);
    let out = verify_as(&mut s, &name, &v);
    assert!(out.contains(&format!("Verify failed on record {} (line 6): inserted", seq(5))), "{out}");

    // A record made up with record 5's number and chain, put before it: the made-up one is found.
    let mut forged = lines[4].to_string();
    forged.replace_range(100..110, "FORGED....");
    let mut v = lines.clone();
    v.insert(4, &forged);
    let out = verify_as(&mut s, &name, &v);
    assert!(out.contains(&format!("Verify failed on record {} (line 5): inserted", seq(5))), "{out}");

    // The last two records dropped: the HSM's own newest HMAC shows the truncation.
    let out = verify_as(&mut s, &name, &lines[..n - 2]);
    assert!(out.contains(&format!("Verify failed on line {}: truncated", n - 1)), "{out}");
    assert!(out.contains(&format!("records {} to {} are missing", seq(n - 1), seq(n))), "{out}");

    // A line that is no longer a record.
    let mut v = lines.clone();
    let short = &lines[2][..200];
    v[2] = short;
    let out = verify_as(&mut s, &name, &v);
    assert!(out.contains("Verify failed on line 3: modified - not a well-formed record"), "{out}");
    let (_, report) = s.world.hsm().audit().last_verified().unwrap();
    assert_eq!(report.failure.as_ref().map(|f| (f.line, f.tamper)), Some((3, Tamper::Modified)));
    assert_eq!(report.verified, 1, "record 2, just before the broken line, has nothing to vouch for it");
    // A change before a broken line is still found first.
    let mut v = lines.clone();
    v[1] = &changed2;
    v[6] = short;
    let out = verify_as(&mut s, &name, &v);
    assert!(out.contains(&format!("Verify failed on record {} (line 2): modified", seq(2))), "{out}");
}

#[test]
fn audit_commands_refuse_bad_input_precisely() {
    let mut s = Session::new();
    auditor_first(&mut s, "a,s");
    s.enter(&format!("role login -name au -password {AU_PASSWORD}"));
    fails(&s.enter("audit config"), "Syntax error");
    fails(&s.enter("audit config size 12"), "Invalid value");
    fails(&s.enter("audit config interval yearly"), "Invalid value");
    fails(&s.enter("audit config path"), "needs a value");
    fails(&s.enter("audit time"), "needs 'sync' or 'get'");
    fails(&s.enter("audit time sync get"), "needs 'sync' or 'get'");
    fails(&s.enter("audit verify file nothere.log"), "CKR_LOG_FILE_NOT_OPEN");
    fails(&s.enter("audit import file nothere.lws"), "CKR_LOG_FILE_NOT_OPEN");
    fails(&s.enter("audit logmsg"), "needs message");
    fails(&s.enter(&format!("audit logmsg message \"{}\"", "x".repeat(121))), "1 to 120 characters");
    fails(&s.enter("audit bogus"), "Syntax error");
    fails(&s.enter("role setdomain -name au -domain again"), "KCV_PARAMETER_ALREADY_EXISTS");
    fails(&s.enter("role setdomain -name co"), "USER_TYPE_INVALID");
    let out = s.enter("audit config ?");
    assert!(out.contains("fi[r]st: first key usage only"), "{out}");
    ok(&s.enter("audit export file secret.lws"));
    fails(&s.enter("audit export file secret.lws"), "add 'overwrite'");
    ok(&s.enter("audit export file secret.lws overwrite"));
    s.world.put_file("/tmp/garbage.lws", "hello".into()).unwrap();
    fails(&s.enter("audit import file /tmp/garbage.lws"), "is not a wrapped log secret");
}

#[test]
fn a_password_auditor_needs_its_domain_before_configuring() {
    let mut s = Session::new();
    s.recover_new_unit();
    ok(&s.enter(&format!("role init -name au -password {AU_PASSWORD}")));
    ok(&s.enter(&format!("role login -name au -password {AU_PASSWORD}")));
    let out = s.enter(&format!("audit config path {LOG_DIR}"));
    fails(&out, "CKR_LOG_NO_KCV");
    assert!(out.contains("role setdomain -name au"), "{out}");
    fails(&s.enter("audit export"), "CKR_LOG_NO_KCV");
    // The password Auditor made this a password HSM: an iKey initialization needs a factory reset.
    s.enter("role logout");
    fails(&s.enter("hsm init -label x -iped"), "factoryreset");
    // Factory reset removes the Auditor and its configuration; the log itself stays.
    let before = s.world.hsm().audit().stored().len();
    ok(&s.enter("hsm factoryreset -force"));
    fails(&s.enter(&format!("role login -name au -password {AU_PASSWORD}")), "USER_PIN_NOT_INITIALIZED");
    assert!(s.world.hsm().audit().stored().len() > before, "the factory reset is logged too");
}

#[test]
fn a_second_unit_of_the_same_audit_domain_verifies_the_first_ones_log() {
    let mut s = Session::new();
    auditor_first(&mut s, "a,m,s,f");
    s.hard_init("first", "sopass12");
    s.run(&["role login -name so -password sopass12", "role logout"]);
    s.enter(&format!("role login -name au -password {AU_PASSWORD}"));
    ok(&s.enter("audit export file first.lws"));
    let (log, text) = log_files(&s).pop().unwrap();

    // A second unit, its Auditor in the same domain.
    s.enter("sim unit add");
    let rus = s.world.unit_shipment(2).unwrap().random_user_string.clone();
    s.run(&["sim unit use 2", "slot set -slot 6", &format!("stm recover -randomuserstring {rus}"), "proceed"]);
    ok(&s.enter("role init -name au -password audpass2"));
    ok(&s.enter("role login -name au -password audpass2"));
    ok(&s.enter("role setdomain -name au -domain auditdomain1"));
    ok(&s.enter("audit config path /var/audit2 evmask a,m,s,f"));
    s.run(&["role logout", "role login -name au -password audpass2"]);
    // Without the first unit's secret, its log does not verify here.
    let out = s.enter(&format!("audit verify file {log}"));
    fails(&out, "CKR_LOG_BAD_RECORD_HMAC");
    assert!(out.contains("Make sure that you have already imported the audit log secret."), "{out}");
    ok(&s.enter("audit import file /var/audit/first.lws"));
    let out = s.enter(&format!("audit verify file {log}"));
    ok(&out);
    assert!(out.contains("The last record could not be checked"), "another HSM's newest record: {out}");
    // One character changed on the way is found here too.
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines[1].replace_range(60..61, "#");
    s.world.put_file(&log, lines.iter().map(|l| format!("{l}\n")).collect()).unwrap();
    let out = s.enter(&format!("audit verify file {log}"));
    assert!(out.contains("Verify failed on record 2 (line 2): modified"), "{out}");
    s.world.put_file(&log, text.clone()).unwrap();

    // With the first unit's secret imported, the second unit's own log no longer verifies, until it
    // exports its own secret and imports it back (the guide's caution).
    let (own, _) = log_files(&s).into_iter().find(|(n, _)| n.starts_with("/var/audit2/")).unwrap();
    fails(&s.enter(&format!("audit verify file {own}")), "CKR_LOG_BAD_RECORD_HMAC");
    ok(&s.enter("audit export file second.lws"));
    ok(&s.enter("audit import file second.lws"));
    ok(&s.enter(&format!("audit verify file {own}")));

    // A third unit whose Auditor has another domain cannot import the first unit's secret.
    s.enter("sim unit add");
    let rus = s.world.unit_shipment(3).unwrap().random_user_string.clone();
    s.run(&["sim unit use 3", "slot set -slot 8", &format!("stm recover -randomuserstring {rus}"), "proceed"]);
    s.run(&["role init -name au -password audpass3", "role login -name au -password audpass3"]);
    ok(&s.enter("role setdomain -name au -domain otherdomain"));
    let out = s.enter("audit import file /var/audit/first.lws");
    fails(&out, "LUNA_RET_UNWRAPPING_ERROR");
    assert!(out.contains("wrapped in another audit domain"), "{out}");
    check_golden!("audit_across_units", &s.transcript);
}

#[test]
fn logs_rotate_by_size_and_interval_and_files_chain_across_rotation() {
    let mut s = Session::new();
    auditor_first(&mut s, "a,m,s,f");
    s.enter(&format!("role login -name au -password {AU_PASSWORD}"));
    ok(&s.enter("audit config size 1k interval hourly"));
    s.enter("role logout");
    s.hard_init("rotating", "sopass12");
    for _ in 0..4 {
        s.run(&["role login -name so -password sopass12", "role logout"]);
    }
    let files = log_files(&s);
    assert!(files.len() >= 4, "two 448-byte records fit in 1k: {:?}", files.iter().map(|f| &f.0).collect::<Vec<_>>());
    // The first file began before the size was set.
    assert!(files[1..].iter().all(|(_, t)| t.lines().count() <= 2));
    // An hour later the next record begins a new file even though the current one has room.
    s.enter(&format!("role login -name au -password {AU_PASSWORD}"));
    ok(&s.enter("audit config size 4m"));
    s.run(&["role logout", "role login -name so -password sopass12"]);
    let before = log_files(&s).len();
    s.enter("sim clock advance 3601");
    s.enter("role logout");
    assert_eq!(log_files(&s).len(), before + 1);
    // Each file verifies, the last record of each against the first of the next file.
    s.enter(&format!("role login -name au -password {AU_PASSWORD}"));
    for (name, _) in log_files(&s) {
        let out = s.enter(&format!("audit verify file {name}"));
        ok(&out);
        assert!(!out.contains("could not be checked"), "{out}");
    }
    // A whole file deleted from the host shows as records missing after the file before it.
    let files = log_files(&s);
    let seqs: Vec<u64> = files[1].1.lines().map(|l| l[..10].trim().parse().unwrap()).collect();
    s.world.remove_file(&files[1].0);
    let out = s.enter(&format!("audit verify file {}", files[0].0));
    let missing =
        format!("truncated - records {} to {} are missing after the last line", seqs[0], seqs[seqs.len() - 1]);
    assert!(out.contains(&missing), "{out}");
}

#[test]
fn a_world_with_its_files_kept_apart_loads_back_whole_and_a_missing_file_is_refused() {
    let (mut s, name, _) = a_log_of(4);
    s.world.put_file("/tmp/notes.txt", "read me".into()).unwrap();
    let index = s.world.to_json_file_index();
    assert!(!index.contains("LUNA_LOGIN"), "no file content in the index");
    assert!(index.contains(&format!("\"{name}\"")), "{index}");
    let files: std::collections::BTreeMap<String, String> =
        s.world.files().iter().map(|(n, t)| (n.to_string(), t.to_string())).collect();
    let back = hsm_core::World::from_json_with_files(&index, |n| files.get(n).cloned()).unwrap();
    assert_eq!(back.to_json(), s.world.to_json());
    let err = hsm_core::World::from_json_with_files(&index, |n| (n != name).then(|| files[n].clone())).unwrap_err();
    assert!(err.to_string().contains(&format!("the host file '{name}' it lists is missing")), "{err}");
    // A world saved whole still loads, files inline.
    assert_eq!(hsm_core::World::from_json(&s.world.to_json()).unwrap().to_json(), s.world.to_json());
}

#[test]
fn a_line_is_a_new_revision_exactly_when_it_changes_the_world() {
    let (mut s, _, _) = a_log_of(4);
    let r = s.world.revision();
    s.enter("slot list");
    assert_eq!(s.world.revision(), r, "monitoring changes nothing");
    // A logged line changes the log (a record on the host); an unlogged one that changes the HSM too.
    s.enter("audit logmsg message \"noted\"");
    assert_eq!(s.world.revision(), r + 1);
    s.run(&["role logout", "role login -name so -password wrongpass1"]);
    assert_eq!(s.world.revision(), r + 3, "a failed login counts, and is logged");
    // A file changed outside LunaCM is a change as well.
    s.world.put_file("/tmp/x", "1".into()).unwrap();
    assert_eq!(s.world.revision(), r + 4);
}

#[test]
fn units_whose_auditors_share_a_white_ikey_verify_each_others_logs() {
    let mut s = Session::new();
    s.recover_new_unit();
    // Without a password, the Auditor takes a white iKey, and the unit becomes a multifactor unit.
    let out = s.enter("role init -name au");
    assert!(out.contains("attend to the PED"), "{out}");
    ok(&create_keyset(&mut s, 1, &[k(1)]));
    s.enter("role login -name au");
    ok(&present(&mut s, 1, None));
    // Its domain is the white iKey's: nothing to set.
    let out = s.enter("role setdomain -name au -domain x");
    fails(&out, "KCV_PARAMETER_ALREADY_EXISTS");
    ok(&s.enter(&format!("audit config path {LOG_DIR} evmask a,m,s,f")));
    ok(&s.enter("audit export file white.lws"));
    fails(&s.enter("hsm init -label x -ipwd -password sopass12 -domain d -force"), "factoryreset");
    let (log, _) = log_files(&s).pop().unwrap();

    // The second unit's Auditor reuses the same white iKey.
    s.enter("sim unit add");
    let rus = s.world.unit_shipment(2).unwrap().random_user_string.clone();
    s.run(&["sim unit use 2", "slot set -slot 6", &format!("stm recover -randomuserstring {rus}"), "proceed"]);
    s.enter("role init -name au");
    s.enter("sim tap Reuse");
    ok(&present(&mut s, 1, None));
    s.enter("role login -name au");
    ok(&present(&mut s, 1, None));
    ok(&s.enter("audit import file /var/audit/white.lws"));
    ok(&s.enter(&format!("audit verify file {log}")));

    // A third unit with its own white iKey is another audit domain.
    s.enter("sim unit add");
    let rus = s.world.unit_shipment(3).unwrap().random_user_string.clone();
    s.run(&["sim unit use 3", "slot set -slot 8", &format!("stm recover -randomuserstring {rus}"), "proceed"]);
    s.enter("role init -name au");
    ok(&create_keyset(&mut s, 1, &[k(2)]));
    s.enter("role login -name au");
    ok(&present(&mut s, 2, None));
    fails(&s.enter("audit import file /var/audit/white.lws"), "LUNA_RET_UNWRAPPING_ERROR");
}

#[test]
fn the_audit_configuration_survives_reinitialization_and_zeroize() {
    let mut s = Session::new();
    auditor_first(&mut s, "a,m,s,f");
    s.hard_init("first", "sopass12");
    let config = s.world.hsm().audit().config().clone();
    // Soft initialization, then zeroize: the Auditor, its domain and its configuration stay.
    s.run(&["role login -name so -password sopass12", "hsm init -label second -password sopass12 -force"]);
    assert_eq!(s.world.hsm().label(), "second");
    ok(&s.enter("hsm zeroize -force"));
    assert!(s.world.hsm().zeroized());
    assert_eq!(s.world.hsm().audit().config(), &config);
    assert!(s.world.hsm().audit().domain_set());
    ok(&s.enter(&format!("role login -name au -password {AU_PASSWORD}")));
    // Zeroization is logged whatever the mask says; the log goes on in the same chain.
    let (name, text) = log_files(&s).pop().unwrap();
    assert!(text.contains("operation LUNA_ZEROIZE returned LUNA_RET_OK"), "{text}");
    ok(&s.enter(&format!("audit verify file {name}")));
}
