// Runs the TypeScript sources directly (no build step): SWC transpiles with decorator
// metadata (NestJS DI needs it) and resolves the workspace's path aliases.
const path = require('node:path');
process.env.SWC_NODE_PROJECT = process.env.SWC_NODE_PROJECT || path.join(__dirname, '..', 'tsconfig.base.json');
require('@swc-node/register');
