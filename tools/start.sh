#!/usr/bin/env bash
# `npm start`: everything MailRouter needs on this machine, then the router on the embedded
# default (built-in CRM, demo mailboxes on a local Dovecot, a local SMTP relay). Ctrl-C stops
# what it started.
set -euo pipefail
cd "$(dirname "$0")/.."
export NX_DAEMON=false NX_NO_CLOUD=true
source tools/lib/services.sh

if [ ! -d node_modules/.bin ]; then echo "installing dependencies (npm install)…"; npm install --no-audit --no-fund; fi
ensure_postgres
ensure_nats
ensure_dovecot_installed
exec node -r ./tools/register.js tools/demo/start.ts
