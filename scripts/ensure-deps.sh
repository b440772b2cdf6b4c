#!/usr/bin/env bash
# Runs `npm ci` when node_modules is missing or older than the lock file.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[shopcart] installing npm dependencies" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi
