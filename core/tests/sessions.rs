//! Chapter 11's troubleshooting of `LUNA_RET_SM_SESSION_REALLOC_ERROR`: an application that opens sessions
//! and never closes them fills the HSM's session table; then every LunaCM command fails until the
//! application closes its sessions or the HSM is reset.

mod common;

use common::{fails, ok, Session};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

#[test]
fn leaked_sessions_fill_the_table_until_they_are_closed_or_the_hsm_is_reset() {
    let mut s = Session::new();
    s.recover_new_unit();
    s.hard_init("sessions", "sopass12");
    assert!(s.enter("sim app sessions open 1000").contains("opened 1000 session(s); it holds 1000 open"));
    ok(&s.enter("hsm showinfo"));
    // The table holds 1024: the 25th of these does not fit.
    let out = s.enter("sim app sessions open 30");
    assert!(
        out.contains("opened 24 session(s); the next failed") && out.contains("LUNA_RET_SM_SESSION_REALLOC_ERROR"),
        "{out}"
    );
    let out = s.enter("hsm showinfo");
    fails(&out, "CKR_DEVICE_ERROR");
    assert!(out.contains("(310102 : LUNA_RET_SM_SESSION_REALLOC_ERROR)"), "{out}");
    fails(&s.enter("role login -name so -password sopass12"), "LUNA_RET_SM_SESSION_REALLOC_ERROR");
    // Housekeeping: the application closes what it no longer uses.
    assert!(s.enter("sim app sessions close 100").contains("closed 100 session(s); it holds 924 open"));
    ok(&s.enter("role login -name so -password sopass12"));
    // Full again; a reset of the HSM (lunareset, from outside LunaCM) empties the table.
    s.enter("sim app sessions open 100");
    fails(&s.enter("hsm restart -force"), "LUNA_RET_SM_SESSION_REALLOC_ERROR");
    s.enter("lunareset");
    assert!(s.enter("sim app sessions").contains("holds 0 session(s) open"));
    ok(&s.enter("slot list"));
    // Bad counts change nothing.
    for bad in [
        "sim app sessions open 0",
        "sim app sessions open lots",
        "sim app sessions close -1",
        "sim app sessions open 1025",
    ] {
        assert!(s.enter(bad).contains("takes a count from 1 to 1024"), "{bad}");
    }
    assert!(s.enter("sim app sessions frob").contains("Usage: sim app sessions"));
    assert_eq!(s.world.hsm().app_sessions(), 0);
    check_golden!("session_table_full", &s.transcript);
}
