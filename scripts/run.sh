#!/usr/bin/env bash
# Installs what is missing, then builds the simulator and serves it on http://127.0.0.1:8080
# (Ctrl-C stops it). The first build takes several minutes; later ones are quick.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$HOME/.cargo/bin:$PATH"

scripts/install.sh build
echo "==> serving on http://127.0.0.1:8080 once built" >&2
exec trunk serve --release --offline --address 127.0.0.1 --port 8080
