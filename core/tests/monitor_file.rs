//! Chapter 11's "Performance Monitoring": the monitor's readings appended to a host file that other tools
//! import (`hsm monitor -file`).

mod common;

use common::{ok, Session};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

#[test]
fn the_monitor_appends_each_reading_to_the_file_it_names() {
    let mut s = Session::new();
    s.recover_new_unit();
    s.hard_init("metrics", "sopass12");
    s.run(&["role login -name so -password sopass12", "partition create -force", "slot set -slot 3"]);
    s.run(&["partition init -label app1 -password popass12 -domain appdomain", "proceed"]);
    s.run(&["slot set -slot 4", "role logout"]);
    let out = s.enter("hsm monitor -interval 10 -rounds 2 -file load.csv");
    assert!(out.contains("Each reading is also appended to load.csv."), "{out}");
    s.enter("sim load sign 2000");
    s.enter("sim clock advance 10");
    ok(&s.enter("sim clock advance 10"));
    let header = "Time,Load (%),Change (%)\n";
    let first = "Mon Nov 24 16:00:10 UTC 2025,24.07,-\nMon Nov 24 16:00:20 UTC 2025,0.00,-24.07\n";
    assert_eq!(s.world.files().get("load.csv").unwrap(), format!("{header}{first}"));
    // A second run appends under the same header.
    s.enter("hsm mon -f load.csv");
    ok(&s.enter("sim clock advance 5"));
    let file = s.world.files().get("load.csv").unwrap().to_string();
    assert!(file.starts_with(&format!("{header}{first}")) && file.ends_with(",0.00,-\n"), "{file}");
    assert_eq!(file.matches("Time,").count(), 1);
    check_golden!("hsm_monitor_to_a_file", &s.transcript);
}
