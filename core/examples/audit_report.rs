//! Audit logging figures, natively: records appended per second through LunaCM lines, records verified
//! per second by `audit verify`, and the time of one LunaCM line in a world holding 100,000 records.
//! A report, not a test: it prints figures and asserts nothing.
//!
//! `cargo run --release -p hsm-core --example audit_report [records]`

use hsm_core::World;
use std::time::Instant;

fn main() {
    let target: u64 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let now = 1_764_000_000_000;
    let mut world = World::new(1, now);
    world.start_session(now);
    let rus = world.shipment().random_user_string.clone();
    for line in [
        format!("stm recover -randomuserstring {rus}"),
        "proceed".into(),
        "role init -name au -password audpass1".into(),
        "role login -name au -password audpass1".into(),
        "role setdomain -name au -domain auditdomain1".into(),
        "audit config path /var/audit evmask all force".into(),
    ] {
        world.enter(&line, now);
    }
    let records = |w: &World| w.hsm().audit().last_seq();

    // Appending: each `audit logmsg` logs the configuration read LunaCM makes and the message itself.
    let (start, first) = (Instant::now(), records(&world));
    let mut lines = 0u64;
    while records(&world) < target {
        world.enter("audit logmsg message \"report\"", now);
        lines += 1;
        if world.hsm().audit().full() {
            println!("the host took no more records after {}: its file limit", records(&world));
            break;
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let appended = records(&world) - first;
    println!(
        "appended {appended} records with {lines} LunaCM lines in {secs:.2} s: {:.0} records/s, {:.1} us per line",
        appended as f64 / secs,
        secs * 1e6 / lines as f64
    );
    let files: Vec<String> =
        world.files().iter().filter(|(n, _)| n.ends_with(".log")).map(|(n, _)| n.to_string()).collect();
    let on_host: usize = world.files().iter().map(|(_, t)| t.lines().count()).sum();
    println!(
        "the world holds {} records in {} host files ({} bytes of files)",
        on_host,
        files.len(),
        world.files().iter().map(|(_, t)| t.len()).sum::<usize>()
    );

    // Verifying: every file with `audit verify` (each record checked against the next).
    let start = Instant::now();
    let mut verified = 0usize;
    for f in &files {
        let out = world.enter(&format!("audit verify file {f}"), now).text;
        if let Some(range) = out.lines().find_map(|l| l.trim().strip_prefix("Verified messages ")) {
            let (a, b) = range.split_once(" to ").unwrap_or(("0", "0"));
            verified += b.trim().parse::<usize>().unwrap_or(0) + 1 - a.trim().parse::<usize>().unwrap_or(1);
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "verified {verified} records in {} files in {secs:.2} s: {:.0} records/s",
        files.len(),
        verified as f64 / secs
    );

    // One line in the big world: median and worst of 50 runs each.
    for line in ["slot list", "audit status", "hsm showinfo", "audit logmsg message \"one more\""] {
        let mut t: Vec<f64> = (0..50)
            .map(|_| {
                let s = Instant::now();
                world.enter(line, now);
                s.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        t.sort_by(f64::total_cmp);
        println!("`{line}` with {} records in the world: median {:.3} ms, max {:.3} ms", records(&world), t[25], t[49]);
    }
    let s = Instant::now();
    let json = world.to_json();
    println!("saving the whole world: {} bytes of JSON in {:.1} ms", json.len(), s.elapsed().as_secs_f64() * 1e3);
    let s = Instant::now();
    let index = world.to_json_file_index();
    println!(
        "saving it without the files (they are kept apart): {} bytes in {:.2} ms",
        index.len(),
        s.elapsed().as_secs_f64() * 1e3
    );
}
