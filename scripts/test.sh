#!/usr/bin/env bash
# Builds, runs every test once, and ends with the runner's own counts as "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

pnpm build || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }
mkdir -p artifacts
report=artifacts/vitest-report.json
rm -f "$report"
pnpm exec vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@"
status=$?
node -e '
  const fs = require("node:fs");
  const file = process.argv[1];
  if (!fs.existsSync(file)) { console.log("0 passed, 1 failed"); process.exit(0); }
  const r = JSON.parse(fs.readFileSync(file, "utf8"));
  const failed = r.numFailedTests + (r.numFailedTestSuites > 0 && r.numFailedTests === 0 ? r.numFailedTestSuites : 0);
  console.log(`${r.numPassedTests} passed, ${failed} failed` + (r.numPendingTests ? `, ${r.numPendingTests} skipped` : ""));
' "$report"
exit $status
