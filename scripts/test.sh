#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh Debian machine, then runs every test once.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "Installing Debian's chromium for the browser tests…"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "The browser tests need Debian's chromium: sudo apt-get install -y chromium" >&2
    exit 1
  fi
fi

npm ci --no-fund --no-audit
# Lint first (oxlint, ESLint's type-aware floating-promise rule, tsc): a finding fails the run.
npm run lint
mkdir -p test-results
status=0
npm test -- --reporter=default --reporter=json --outputFile.json=test-results/vitest.json || status=$?
# One plain closing line, whatever the runner printed above.
node -e '
  const r = JSON.parse(require("fs").readFileSync("test-results/vitest.json", "utf8"));
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed` + (r.numPendingTests ? `, ${r.numPendingTests} skipped` : ""));
' || true
exit "$status"
