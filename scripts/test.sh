#!/usr/bin/env bash
# `npm test`: type-checks every workspace, then runs every test against real
# Redis and a real MongoDB-compatible server started on free ports.
set -euo pipefail
cd "$(dirname "$0")/.."
export APOLLO_TELEMETRY_DISABLED=true TURBO_TELEMETRY_DISABLED=1

bash scripts/ensure-deps.sh
bash scripts/install-tools.sh
# Tests of one workspace import others' generated types: all codegen first.
npm run --silent typecheck
mkdir -p .data
rm -f .data/query-plans.txt
status=0
npx vitest run --config scripts/vitest.config.ts --reporter=default --reporter=json --outputFile.json=.data/test-results.json "$@" || status=$?
node -e '
  const r = JSON.parse(require("fs").readFileSync(".data/test-results.json", "utf8"));
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
' || true
# The stores' teardown explains every query shape the services sent (scripts/testing/queryPlans.ts);
# vitest only logs a teardown's error, so its verdict decides here.
if [ -f .data/query-plans.txt ]; then
  tail -n 1 .data/query-plans.txt
  if grep -q '^scan ' .data/query-plans.txt; then
    grep '^scan ' .data/query-plans.txt
    status=1
  fi
fi
exit $status
