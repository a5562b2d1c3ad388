//! Native throughput of the simulator's mechanisms: operations (or megabytes) per second, measured by the
//! same code the browser's worker runs (`hsm_core::crypto::bench`). Prints figures for
//! docs/PERFORMANCE.md; asserts nothing. Run with `cargo run --release -p hsm-core --example crypto_bench`.

use std::time::Instant;

fn main() {
    let start = Instant::now();
    for f in hsm_core::crypto::bench::run(|| start.elapsed().as_secs_f64() * 1000.0, 1000.0) {
        println!("{:<22} {:>10.1} {}", f.name, f.rate, f.unit);
    }
}
