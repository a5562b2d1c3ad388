#!/usr/bin/env bash
# Installs what building the simulator needs, and with `test` what testing it needs too, skipping
# whatever is already there. Needs rustup/cargo, node/npm and (for `test`) apt-get.
#
#   scripts/install.sh build   wasm32 target, Trunk, the wasm-bindgen CLI
#   scripts/install.sh test    the above, plus Chromium and chromedriver, wasm-pack, e2e/node_modules
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

TRUNK_VERSION=0.21.14
WASM_PACK_VERSION=0.15.1
# The wasm-bindgen CLI must equal the wasm-bindgen crate pinned in Cargo.toml.
WASM_BINDGEN_VERSION=$(sed -n 's/^wasm-bindgen = "=\([0-9.]*\)".*/\1/p' Cargo.toml)

export PATH="$HOME/.cargo/bin:$PATH"

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'install.sh: %s\n' "$*" >&2; exit 1; }

what=${1:-build}
[[ $what == build || $what == test ]] || die "usage: scripts/install.sh [build|test]"
[[ -n $WASM_BINDGEN_VERSION ]] || die "no wasm-bindgen = \"=X.Y.Z\" pin found in Cargo.toml"
grep -q "wasm_bindgen = \"$WASM_BINDGEN_VERSION\"" Trunk.toml \
  || die "Trunk.toml [tools] wasm_bindgen must equal the Cargo.toml pin $WASM_BINDGEN_VERSION"

command -v cargo >/dev/null || die "cargo not found: install Rust with rustup first"
# Trunk's post_build hook (scripts/precache.mjs, the service worker's file list) runs on node.
command -v node >/dev/null || die "node not found: install node (the build's precache hook needs it)"
command -v rustup >/dev/null || die "rustup not found: the wasm32 target is installed with rustup"

# (Outputs are captured before grep: with pipefail, grep -q closing the pipe early would fail the test.)
targets=$(rustup target list --installed)
if ! grep -qx wasm32-unknown-unknown <<<"$targets"; then
  log "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

if [[ $(trunk --version 2>/dev/null || true) != "trunk $TRUNK_VERSION" ]]; then
  log "cargo install trunk $TRUNK_VERSION (about 12 minutes on 2 cores)"
  cargo install trunk --version "$TRUNK_VERSION" --locked
fi

if [[ $(wasm-bindgen --version 2>/dev/null || true) != "wasm-bindgen $WASM_BINDGEN_VERSION" ]]; then
  # Not --locked: one dependency of its lock file is missing from the registry.
  log "cargo install wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 7 minutes)"
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

# Builds run Trunk with --offline (it must never download a tool), which Trunk passes on to cargo:
# fetch the crates first. Quick when they are there.
cargo fetch --quiet

[[ $what == test ]] || exit 0

if [[ ! -x /usr/bin/chromium || ! -x /usr/bin/chromedriver ]]; then
  sudo=()
  [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  log "apt-get install chromium chromium-driver"
  "${sudo[@]}" apt-get update
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y --no-install-recommends chromium chromium-driver
fi

if ! command -v wasm-pack >/dev/null; then
  log "cargo install wasm-pack $WASM_PACK_VERSION (about 2 minutes)"
  cargo install wasm-pack --version "$WASM_PACK_VERSION" --locked
fi

command -v npm >/dev/null || die "npm not found: install node and npm first"
# npm writes node_modules/.package-lock.json on every install: newer than the lock file means done.
if [[ ! e2e/node_modules/.package-lock.json -nt e2e/package-lock.json ]]; then
  log "npm ci in e2e/ (playwright-core, which drives Debian's Chromium with no browser download; scorm-again, an LMS's SCORM runtime; axe-core, the accessibility checker)"
  (cd e2e && npm ci --no-audit --no-fund)
fi
