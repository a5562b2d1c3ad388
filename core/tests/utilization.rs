//! Chapter 11's "Partition Utilization Metrics" (HSM policy 49, the HSM SO, the counters by bin and by
//! partition, their reset and their volatility) and "Performance Monitoring" (`hsm monitor`).

mod common;

use common::{fails, ok, Session};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

/// A recovered, password-initialized unit with its application partition created and initialized.
fn unit_with_partition() -> Session {
    let mut s = Session::new();
    s.recover_new_unit();
    s.hard_init("metrics", "sopass12");
    s.run(&["role login -name so -password sopass12", "partition create -force", "slot set -slot 3"]);
    s.run(&["partition init -label app1 -password popass12 -domain appdomain", "proceed"]);
    s.run(&["slot set -slot 4", "role logout"]);
    s
}

/// The value a `Name   count` line of the last block titled `title` shows for `bin`.
fn count(out: &str, title: &str, bin: &str) -> u64 {
    let block = out.rsplit(title).next().unwrap_or_default();
    let line = block.lines().find(|l| l.trim_start().starts_with(bin)).unwrap_or_default();
    line.split_whitespace().last().and_then(|n| n.parse().ok()).unwrap_or(u64::MAX)
}

#[test]
fn metrics_need_policy_49_and_the_hsm_so() {
    let mut s = unit_with_partition();
    // Off by default: nobody reads them, not even the HSM SO.
    fails(&s.enter("hsm showutilization"), "LUNA_RET_OPERATION_RESTRICTED");
    ok(&s.enter("role login -name so -password sopass12"));
    let out = s.enter("hsm resetutilization");
    fails(&out, "LUNA_RET_OPERATION_RESTRICTED");
    assert!(out.contains("-policy 49 -value 1"), "{out}");
    // Operations while the policy is off are not counted.
    s.enter("sim load sign 5");
    ok(&s.enter("hsm changehsmpolicy -policy 49 -value 1"));
    let out = s.enter("hsm showutilization");
    ok(&out);
    assert_eq!(count(&out, "Overall", "Sign"), 0);
    // On, but only for the HSM SO (HSM policy 58 needs firmware 7.8.9).
    s.enter("role logout");
    let out = s.enter("hsm showutilization");
    fails(&out, "LUNA_RET_USER_NOT_LOGGED_IN");
    assert!(out.contains("Only the HSM SO"), "{out}");
    // Commands of the admin slot only.
    let out = s.run_all(&["slot set -slot 3", "hsm showutilization"]);
    fails(&out, "CKR_SLOT_ID_INVALID");
    check_golden!("utilization_policy_and_so", &s.transcript);
}

#[test]
fn operations_count_per_partition_and_bin_until_reset() {
    let mut s = unit_with_partition();
    s.run(&["role login -name so -password sopass12", "hsm changehsmpolicy -policy 49 -value 1"]);
    s.run_all(&["sim load sign 3", "sim load verify 2", "sim load keygen 1", "sim load derive 4 admin"]);
    let out = s.enter("hsm showutilization");
    ok(&out);
    assert_eq!(count(&out, "Partition \"app1\"", "Sign"), 3);
    assert_eq!(count(&out, "Partition \"app1\"", "Key generate"), 1);
    assert_eq!(count(&out, "Overall", "Key derive"), 4);
    assert_eq!(count(&out, "Overall", "Verify"), 2);
    // One partition by its serial number, or an error for a serial that is not this HSM's.
    let serial = s.world.hsm().partition().map(|p| p.serial().to_string()).unwrap_or_default();
    let out = s.enter(&format!("hsm showutilization -serial {serial}"));
    assert!(!out.contains("Overall") && !out.contains("Admin partition"), "{out}");
    assert_eq!(count(&out, "Partition \"app1\"", "Verify"), 2);
    fails(&s.enter("hsm su -serial 123"), "There is no partition with serial number 123");
    // Reset shows the counters, then zeroes them.
    let out = s.enter("hsm resetutilization");
    assert_eq!(count(&out, "Overall", "Sign"), 3);
    assert!(out.contains("reset to zero"), "{out}");
    let out = s.enter("hsm showutilization");
    assert_eq!(count(&out, "Overall", "Sign"), 0);
    // A deleted partition's counters go with it.
    s.enter("sim load encrypt 7");
    s.enter("partition delete -force");
    let out = s.enter("hsm showutilization");
    assert!(!out.contains("app1"), "{out}");
    assert_eq!(count(&out, "Overall", "Encrypt"), 0);
    assert!(s.enter("sim load sign 1").contains("no application partition"));
    check_golden!("utilization_counting_and_reset", &s.transcript);
}

#[test]
fn the_counters_are_lost_at_power_off_restart_and_initialization() {
    let mut s = unit_with_partition();
    let login = "role login -name so -password sopass12";
    s.run(&[login, "hsm changehsmpolicy -policy 49 -value 1"]);
    let overall_sign = |s: &mut Session| count(&s.enter("hsm showutilization"), "Overall", "Sign");
    s.enter("sim load sign 2");
    assert_eq!(overall_sign(&mut s), 2);
    s.enter("sim power cycle 10");
    s.enter(login);
    assert_eq!(overall_sign(&mut s), 0, "power off");
    s.enter("sim load sign 2");
    s.enter("hsm restart -force");
    s.enter(login);
    assert_eq!(overall_sign(&mut s), 0, "hsm restart");
    s.enter("sim load sign 2");
    s.enter("lunareset");
    s.enter(login);
    assert_eq!(overall_sign(&mut s), 0, "lunareset");
    s.enter("sim load sign 2 admin");
    assert_eq!(overall_sign(&mut s), 2);
    // A soft init (the HSM SO stays logged out afterwards).
    ok(&s.run(&["hsm init -label metrics2", "proceed", "sopass12"]));
    s.enter(login);
    assert_eq!(overall_sign(&mut s), 0, "hsm init");
    check_golden!("utilization_volatile", &s.transcript);
}

#[test]
fn the_monitor_shows_the_load_over_each_interval() {
    let mut s = unit_with_partition();
    // A one-off reading: the first now, the second five seconds later.
    let out = s.enter("hsm monitor");
    assert!(out.contains("1 reading, 5 s apart") && !out.contains("Command Result"), "{out}");
    assert!(s.enter("sim clock advance 4").ends_with("Simulated time: Mon Nov 24 16:00:04 UTC 2025\n"));
    let out = s.enter("sim clock advance 1");
    assert!(out.contains("Mon Nov 24 16:00:05 UTC 2025") && out.contains("Command Result : No Error"), "{out}");
    // Three readings under a load: 2000 signatures are 2.4 s of work, done within the first interval.
    s.enter("hsm monitor -interval 10 -rounds 3");
    s.enter("sim load sign 2000");
    let out = s.enter("role login -name so -password sopass12");
    assert!(out.contains("LunaCM is monitoring"), "{out}");
    assert!(s.enter("sim clock advance 10").contains("24.00 %             -"));
    // Asleep for longer than the interval: the reading comes when the host wakes.
    assert!(s.enter("sim clock advance 25").contains("0.00 %      -24.00 %"));
    let out = s.enter("sim clock advance 10");
    assert!(out.contains("0.00 %       +0.00 %") && out.contains("Command Result : No Error"), "{out}");
    // Shorter than five seconds is refused; the monitor is abandoned with a power cut.
    fails(&s.enter("hsm monitor -interval 4"), "-interval takes a whole number from 5 to 86400");
    s.enter("hsm mon -i 5");
    assert!(s.enter("sim power cycle 3").contains("the command was abandoned"));
    ok(&s.enter("slot list"));
    check_golden!("hsm_monitor", &s.transcript);
}

#[test]
fn key_operations_count_in_their_bins_refused_ones_too() {
    let mut s = unit_with_partition();
    s.run(&["role login -name so -password sopass12", "hsm changehsmpolicy -policy 49 -value 1", "role logout"]);
    s.run(&["slot set -slot 3", "role login -name po -password popass12", "role init -name co -password copass12"]);
    s.run(&["role logout", "role login -name co -password copass12"]);
    s.run(&["role changepw -name co -oldpw copass12 -newpw copass34 -force"]);
    let keys = "cmu generatekeypair -slot=3 -keyType=EC -curvetype=3 -sign=1 -verify=1 -labelPublic=p -labelPrivate=q";
    let made = s.enter(keys);
    assert!(made.contains("Generated private key: handle=2"), "{made}");
    let signed = s.enter("sim app sign -slot=3 -handle=2 -mech=ecdsa -data=hello -out=/tmp/sig");
    let verified = s.enter("sim app verify -slot=3 -handle=1 -mech=ecdsa -data=hello -signature=/tmp/sig");
    assert!(!signed.contains("CKR_") && !verified.contains("CKR_"), "{signed}{verified}");
    // Refused by the key's usage flags, and counted all the same: it reached the HSM.
    let refused = s.enter("sim app sign -slot=3 -handle=1 -mech=ecdsa -data=hello");
    assert!(refused.contains("CKR_"), "{refused}");
    let out = s.run_all(&[
        "role logout",
        "slot set -slot 4",
        "role login -name so -password sopass12",
        "hsm showutilization",
    ]);
    ok(&out);
    assert_eq!(count(&out, "Overall", "Key generate"), 1, "{out}");
    assert_eq!(count(&out, "Overall", "Sign"), 2, "{out}");
    assert_eq!(count(&out, "Overall", "Verify"), 1, "{out}");
}
