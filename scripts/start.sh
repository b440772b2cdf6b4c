#!/usr/bin/env bash
# `npm start`: installs what is missing, then runs the whole platform locally.
set -euo pipefail
cd "$(dirname "$0")/.."
export APOLLO_TELEMETRY_DISABLED=true TURBO_TELEMETRY_DISABLED=1

bash scripts/ensure-deps.sh
bash scripts/install-tools.sh
exec node --import tsx scripts/stack/dev.ts
