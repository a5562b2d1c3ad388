#!/usr/bin/env bash
# The benchmark: a report, not a test (it prints figures and asserts nothing). Builds the release app,
# then prints:
#   - the machine, and every shipped file's size raw, gzip -9 and brotli 11 (e2e/bench-size.mjs);
#   - natively, the scenario of e2e/lib/bench-lines.json: its fresh and big worlds (written as world
#     files), its 20 lines in each, the RSA key pairs and the iKey ceremony (core/examples/bench_lines.rs);
#   - in headless Chromium (e2e/bench-app.mjs): what a first visit downloads, cold and warm loads, the
#     same lines on the same worlds (Enter to output, beside native), main-thread long tasks during an
#     iKey ceremony, RSA-2048 and RSA-4096 generation, importing, changing and exporting the big world,
#     a lab, and lines with a full scrollback;
#   - memory after a 10,000-line session: the soak test (e2e/30-soak.test.mjs) prints it.
# BENCH_RUNS sets the runs per line (30); SOAK_LINES the session's length (10000). Each node script
# serves dist/ from its own process (no server to outlive it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$HOME/.cargo/bin:$PATH"

scripts/install.sh test >&2
trunk build --release --offline >&2
runs=${BENCH_RUNS:-30}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== machine"
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); cores: $(nproc); $(lscpu | grep 'Model name' | sed 's/  */ /g')"
echo "memory: $(free -g | awk '/^Mem:/ {print $2 " GiB"}'); $(/usr/bin/chromium --version 2>/dev/null || echo 'chromium: unknown')"

echo
echo "== shipped files (dist/)"
node e2e/bench-size.mjs dist

echo
echo "== native (release build): the same worlds and lines"
cargo run --release -q -p hsm-core --example bench_lines -- e2e/lib/bench-lines.json --runs "$runs" --out "$work"

echo
echo "== headless Chromium"
node e2e/bench-app.mjs "$work" "$runs"

echo
echo "== memory after a ${SOAK_LINES:-10000}-line session (the soak test)"
node --test e2e/30-soak.test.mjs 2>&1 | sed -n 's/^# soak: /soak: /p; /^# \(pass\|fail\)/p'
