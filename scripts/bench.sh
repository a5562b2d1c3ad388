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
# BENCH_RUNS sets the runs per line (30); SOAK_LINES the session's length (10000).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$HOME/.cargo/bin:$PATH"

scripts/install.sh test >&2
trunk build --release --offline >&2
runs=${BENCH_RUNS:-30}

work=$(mktemp -d)
server_out="$work/serve.log"
server_pid=""
cleanup() {
  [[ -n $server_pid ]] && { kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; }
  rm -rf "$work"
}
trap cleanup EXIT

echo "== machine"
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); cores: $(nproc); $(lscpu | grep 'Model name' | sed 's/  */ /g')"
echo "memory: $(free -g | awk '/^Mem:/ {print $2 " GiB"}'); $(/usr/bin/chromium --version 2>/dev/null || echo 'chromium: unknown')"

echo
echo "== shipped files (dist/)"
node e2e/bench-size.mjs dist

echo
echo "== native (release build): the same worlds and lines"
cargo run --release -q -p hsm-core --example bench_lines -- e2e/lib/bench-lines.json --runs "$runs" --out "$work"

node e2e/serve.mjs dist 0 >"$server_out" 2>&1 &
server_pid=$!
url=""
for _ in $(seq 100); do
  url=$(head -n 1 "$server_out")
  [[ $url == http://* ]] && break
  sleep 0.1
done
[[ $url == http://* ]] || { echo "bench.sh: the static server did not start" >&2; exit 1; }

echo
echo "== headless Chromium"
BASE_URL="$url" node e2e/bench-app.mjs "$work" "$runs"

echo
echo "== memory after a ${SOAK_LINES:-10000}-line session (the soak test)"
BASE_URL="$url" node --test e2e/30-soak.test.mjs 2>&1 | sed -n 's/^# soak: /soak: /p; /^# \(pass\|fail\)/p'
