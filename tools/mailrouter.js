#!/usr/bin/env node
// The `mailrouter` CLI (docs/cli.md): runs its TypeScript sources through SWC like the services (ADR 0001).
require('./register.js');
require('../apps/cli/src/main.ts');
