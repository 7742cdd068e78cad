#!/usr/bin/env bash
# Quick start on a fresh Debian/Ubuntu host (as root): installs what is missing, then brings
# Slipway up locally (embedded Redis and registry) and runs the demo pipeline.
# Extra arguments go to `slipway up` (e.g. --once, --data-dir DIR, --pipeline DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-deps.sh
[ -d node_modules ] || npm install --no-audit --no-fund   # see .ci/run for why not npm ci
exec node bin/slipway.mjs up "$@"
