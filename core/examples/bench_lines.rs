//! The benchmark's worlds and lines, natively: builds the fresh and the big world of
//! `e2e/lib/bench-lines.json` (written as world files for the browser to import), then times each of
//! its representative lines (Enter to output: one `World::enter`) in both, and the key pair generations.
//! A report, not a test: it prints figures and asserts nothing.
//!
//! `cargo run --release -p hsm-core --example bench_lines -- SCENARIO [--runs N] [--out DIR]`
//! writes `DIR/fresh.json`, `DIR/big.json` (world files) and `DIR/native.json` (the figures, for
//! `e2e/bench-app.mjs` to set beside the browser's).

use std::time::Instant;

use hsm_core::World;
use serde_json::{json, Value};

const NOW: u64 = 1_764_000_000_000;

/// A world that runs on a clock starting at `NOW` and moving with real time.
struct Timed {
    world: World,
    started: Instant,
}

impl Timed {
    fn now(&self) -> u64 {
        NOW + self.started.elapsed().as_millis() as u64
    }
    /// Runs `line`; returns its output and the time it took, in milliseconds.
    fn enter(&mut self, line: &str) -> (String, f64) {
        let now = self.now();
        let t = Instant::now();
        let out = self.world.enter(line, now).text;
        (out, t.elapsed().as_secs_f64() * 1e3)
    }
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    sorted[((q * sorted.len() as f64) as usize).min(sorted.len() - 1)]
}

/// Median and p99 of `runs` runs of each timed line: each in a new LunaCM session of the world in
/// `file` after its untimed `before` lines, as the browser runs them after a reload.
fn time_lines(file: &str, lines: &[Value], runs: usize) -> Vec<Value> {
    lines
        .iter()
        .map(|group| {
            let mut w =
                Timed { world: World::from_world_file(file).expect("the world file loads"), started: Instant::now() };
            w.world.start_session(NOW);
            for before in strings(&group["before"]) {
                w.enter(&before);
            }
            let line = group["line"].as_str().expect("line");
            let mut t: Vec<f64> = (0..runs).map(|_| w.enter(line).1).collect();
            t.sort_by(f64::total_cmp);
            json!({ "line": line, "p50": quantile(&t, 0.5), "p99": quantile(&t, 0.99) })
        })
        .collect()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array().into_iter().flatten().filter_map(|s| s.as_str().map(str::to_string)).collect()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let scenario_path = args.next().expect("usage: bench_lines SCENARIO [--runs N] [--out DIR]");
    let (mut runs, mut out_dir) = (25usize, None::<String>);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--runs" => runs = args.next().and_then(|v| v.parse().ok()).expect("--runs N"),
            "--out" => out_dir = args.next(),
            other => panic!("unknown argument {other}"),
        }
    }
    let scenario: Value =
        serde_json::from_str(&std::fs::read_to_string(&scenario_path).expect("the scenario file")).expect("JSON");

    // The fresh world: a factory-fresh unit taken through the setup lines.
    let mut w = Timed { world: World::new(1, NOW), started: Instant::now() };
    w.world.start_session(NOW);
    let rus = w.world.shipment().random_user_string.clone();
    // BENCH_ECHO=1 prints what the setup lines answered, to check the scenario.
    let echo = std::env::var_os("BENCH_ECHO").is_some();
    for line in strings(&scenario["setup"]) {
        let (out, _) = w.enter(&line.replace("{rus}", &rus));
        if echo {
            println!("> {line}{out}");
        }
    }
    let fresh_file = w.world.to_world_file();

    // The big world: the fresh one and the bulk lines.
    let started = Instant::now();
    let mut bulk_lines = 0;
    for step in scenario["big"].as_array().expect("big") {
        let line = step["line"].as_str().expect("line");
        for i in 0..step["times"].as_u64().unwrap_or(1) {
            let (out, _) = w.enter(&line.replace("{i}", &i.to_string()));
            if echo && (i < 2 || i % 1000 == 999) {
                println!("> {line}{out}");
            }
            bulk_lines += 1;
        }
    }
    let build_ms = started.elapsed().as_secs_f64() * 1e3;
    let big_file = w.world.to_world_file();
    let files = w.world.files().iter().count();
    let records = w.world.hsm().audit().last_seq();
    println!(
        "big world: {bulk_lines} lines in {build_ms:.0} ms; {records} audit records, {files} host files, world file {} bytes (fresh {})",
        big_file.len(),
        fresh_file.len()
    );

    let lines = scenario["lines"].as_array().expect("lines").clone();
    let mut figures = json!({ "runs": runs, "records": records, "host_files": files });
    for (name, file) in [("fresh", &fresh_file), ("big", &big_file)] {
        figures[name] = Value::Array(time_lines(file, &lines, runs));
    }
    // Key pair generation, in the fresh world with the Crypto Officer's password.
    let mut w = Timed { world: World::from_world_file(&fresh_file).expect("loads"), started: Instant::now() };
    w.world.start_session(NOW);
    let mut keygen = serde_json::Map::new();
    for (name, line) in scenario["keygen"].as_object().expect("keygen") {
        let line = line.as_str().expect("a line");
        let mut t: Vec<f64> = (0..3)
            .map(|_| {
                let (out, ms) = w.enter(line);
                if echo {
                    println!("> {line}{out}");
                }
                ms
            })
            .collect();
        t.sort_by(f64::total_cmp);
        keygen.insert(name.clone(), json!(t[1]));
    }
    figures["keygen"] = Value::Object(keygen);
    // The iKey ceremony, whole, on a new unit out of transport mode.
    let mut w = Timed { world: World::new(1, NOW), started: Instant::now() };
    w.world.start_session(NOW);
    let rus = w.world.shipment().random_user_string.clone();
    w.enter(&format!("stm recover -randomuserstring {rus}"));
    w.enter("proceed");
    let t = Instant::now();
    for line in strings(&scenario["ceremony"]) {
        let (out, _) = w.enter(&line);
        if echo {
            println!("> {line}{out}");
        }
    }
    figures["ceremony_ms"] = json!(t.elapsed().as_secs_f64() * 1e3);

    println!("{:<40} {:>12} {:>12} {:>12} {:>12}", "line (native, ms)", "fresh p50", "fresh p99", "big p50", "big p99");
    for i in 0..lines.len() {
        let (f, b) = (&figures["fresh"][i], &figures["big"][i]);
        println!(
            "{:<40} {:>12.4} {:>12.4} {:>12.4} {:>12.4}",
            f["line"].as_str().unwrap_or(""),
            f["p50"].as_f64().unwrap_or(0.0),
            f["p99"].as_f64().unwrap_or(0.0),
            b["p50"].as_f64().unwrap_or(0.0),
            b["p99"].as_f64().unwrap_or(0.0)
        );
    }
    println!(
        "RSA-2048 key pair {:.0} ms, RSA-4096 {:.0} ms (median of 3); the iKey ceremony's {} lines {:.2} ms",
        figures["keygen"]["rsa2048"].as_f64().unwrap_or(0.0),
        figures["keygen"]["rsa4096"].as_f64().unwrap_or(0.0),
        strings(&scenario["ceremony"]).len(),
        figures["ceremony_ms"].as_f64().unwrap_or(0.0)
    );
    if let Some(dir) = out_dir {
        std::fs::create_dir_all(&dir).expect("the output directory");
        std::fs::write(format!("{dir}/fresh.json"), fresh_file).expect("write");
        std::fs::write(format!("{dir}/big.json"), big_file).expect("write");
        std::fs::write(format!("{dir}/native.json"), figures.to_string()).expect("write");
    }
}
