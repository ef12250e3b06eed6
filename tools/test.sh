#!/usr/bin/env bash
# `npm test`: type-check, lint, then unit, integration and end-to-end tests against the real
# PostgreSQL, NATS JetStream, Dovecot and SMTP servers of this machine.
set -euo pipefail
cd "$(dirname "$0")/.."
export NX_DAEMON=false NX_NO_CLOUD=true
source tools/lib/services.sh

[ -d node_modules/.bin ] || npm install --no-audit --no-fund
ensure_postgres
ensure_nats
ensure_dovecot_installed
ensure_chromium_installed

echo "== type-check"; npx tsc -p tsconfig.check.json
echo "== lint"; npx nx run-many -t lint --outputStyle=static >/tmp/mailrouter-lint.log 2>&1 || { cat /tmp/mailrouter-lint.log; exit 1; }
echo "== tests"
mkdir -p .run
status=0
npx jest --ci --json --outputFile=.run/jest-results.json "$@" || status=$?
node -e '
  const r = require("./.run/jest-results.json");
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped`);
' || true
exit $status
