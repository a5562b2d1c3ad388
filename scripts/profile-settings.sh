#!/usr/bin/env bash
# Release-profile settings, one at a time: a report, not a test (it prints figures and asserts nothing).
# For each variant of the workspace's [profile.release] (Cargo.toml), builds the page (hsm-web) and the
# worker (hsm-worker) for wasm32, runs wasm-bindgen as Trunk does, and prints each wasm's size raw,
# gzip -9 and brotli 11; then the current settings followed by wasm-opt from the npm `binaryen` package
# (installed under e2e/ on demand). Each variant rebuilds every dependency: about 7 minutes a variant on
# 2 cores. Its own target directory (target/profiles), so the usual build stays warm.
#   scripts/profile-settings.sh [key...]    keys: current opt-s opt-3 no-lto thin-lto cgu-16 panic-abort
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TARGET_DIR="$PWD/target/profiles"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# key | name | settings, as CARGO_PROFILE_RELEASE_* variables (none: the settings in Cargo.toml). The
# arguments pick variants by key (default: all); wasm-opt runs on "current" when it is picked.
variants=(
  "current|current (opt-level z, lto, codegen-units 1)|"
  "opt-s|opt-level s|CARGO_PROFILE_RELEASE_OPT_LEVEL=s"
  "opt-3|opt-level 3|CARGO_PROFILE_RELEASE_OPT_LEVEL=3"
  "no-lto|no lto|CARGO_PROFILE_RELEASE_LTO=false"
  "thin-lto|thin lto|CARGO_PROFILE_RELEASE_LTO=thin"
  "cgu-16|codegen-units 16|CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16"
  "panic-abort|panic abort|CARGO_PROFILE_RELEASE_PANIC=abort"
)
wanted=" $* "

sizes() { # file -> "raw gzip brotli"
  node -e '
    const { readFileSync } = require("node:fs");
    const z = require("node:zlib");
    const b = readFileSync(process.argv[1]);
    const br = z.brotliCompressSync(b, { params: { [z.constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
    console.log(b.length, z.gzipSync(b, { level: 9 }).length, br);
  ' "$1"
}
row() { # name page.wasm worker.wasm
  read -r pr pg pb < <(sizes "$2")
  read -r wr wg wb < <(sizes "$3")
  printf '%-44s %10s %9s %9s   %10s %9s %9s\n' "$1" "$pr" "$pg" "$pb" "$wr" "$wg" "$wb"
}

build() { # settings -> dir holding page.wasm and worker.wasm
  local dir="$out/$RANDOM"
  mkdir -p "$dir"
  env $1 cargo build --release --offline --target wasm32-unknown-unknown -p hsm-web -p hsm-worker >&2
  wasm-bindgen --target web --no-typescript --out-dir "$dir/page" "$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/hsm-web.wasm"
  wasm-bindgen --target web --no-typescript --out-dir "$dir/worker" "$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/hsm-worker.wasm"
  cp "$dir/page/hsm-web_bg.wasm" "$dir/page.wasm"
  cp "$dir/worker/hsm-worker_bg.wasm" "$dir/worker.wasm"
  echo "$dir"
}

echo "== release-profile settings: wasm after wasm-bindgen (bytes)"
echo "$(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) cores; $(rustc --version)"
printf '%-44s %10s %9s %9s   %10s %9s %9s\n' "variant" "page raw" "gzip -9" "brotli" "worker raw" "gzip -9" "brotli"
current=""
for variant in "${variants[@]}"; do
  IFS='|' read -r key name settings <<<"$variant"
  if [[ $wanted != "  " && $wanted != *" $key "* ]]; then continue; fi
  dir=$(build "$settings")
  [[ -z $settings ]] && current=$dir
  row "$name" "$dir/page.wasm" "$dir/worker.wasm"
done

if [[ -n $current ]]; then
  if [[ ! -x e2e/node_modules/.bin/wasm-opt ]]; then
    (cd e2e && npm install --no-save --no-audit --no-fund binaryen@132.0.0 >&2)
  fi
  for level in -Oz -Os; do
    for which in page worker; do
      e2e/node_modules/.bin/wasm-opt "$level" --enable-bulk-memory --enable-nontrapping-float-to-int \
        --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \
        "$current/$which.wasm" -o "$current/$which$level.wasm"
    done
    row "current, then wasm-opt $level (binaryen 132)" "$current/page$level.wasm" "$current/worker$level.wasm"
  done
fi
