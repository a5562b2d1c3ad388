#!/usr/bin/env bash
# Prints the release build's wasm size (raw and gzip), the browser's median latency from Enter on
# `slot list` to its output, and the audit logging figures (records appended and verified per second,
# lines in a world with many records), natively and in the browser, and the mechanisms' throughput natively,
# as wasm in the worker and with WebCrypto. A report, not a test: it asserts
# nothing. AUDIT_RECORDS sets how many records the browser run builds up (20000 by default).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$HOME/.cargo/bin:$PATH"

scripts/install.sh test >&2
trunk build --release --offline >&2

echo "== release wasm size"
shopt -s nullglob
wasm=(dist/*.wasm)
[[ ${#wasm[@]} -gt 0 ]] || { echo "report.sh: no dist/*.wasm after the build" >&2; exit 1; }
for file in "${wasm[@]}"; do
  raw=$(stat -c %s "$file")
  gz=$(gzip -9 -c "$file" | wc -c)
  printf '%s: %d bytes raw, %d bytes gzip -9\n' "$file" "$raw" "$gz"
done

echo "== latency in headless Chromium"
node e2e/report-latency.mjs 30

echo "== audit logging, native (records appended and verified per second; one line with 100,000 records)"
cargo run --release -q -p hsm-core --example audit_report 100000

echo "== audit logging in headless Chromium"
node e2e/report-audit.mjs "${AUDIT_RECORDS:-20000}"

echo "== mechanisms: native, wasm in the worker, WebCrypto in the same Chromium"
node e2e/report-crypto.mjs
