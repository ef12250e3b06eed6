/**
 * Runs the Microsoft Graph EMULATOR as a process (a test double, not Microsoft Graph):
 *   node -r ./tools/register.js tools/graph-emulator/src/main.ts
 * Env: GRAPH_EMULATOR_PORT (default 5556), GRAPH_EMULATOR_TENANT_ID, GRAPH_EMULATOR_CLIENT_ID
 * (default emulator-client), GRAPH_EMULATOR_CLIENT_SECRET (default emulator-secret),
 * GRAPH_EMULATOR_MAILBOXES (comma-separated addresses to create).
 */
import { EMULATOR_BANNER, startGraphEmulator } from './emulator';

async function main(): Promise<void> {
  const emulator = await startGraphEmulator({
    port: Number(process.env.GRAPH_EMULATOR_PORT ?? 5556),
    tenantId: process.env.GRAPH_EMULATOR_TENANT_ID,
    clients: [{
      clientId: process.env.GRAPH_EMULATOR_CLIENT_ID ?? 'emulator-client',
      clientSecret: process.env.GRAPH_EMULATOR_CLIENT_SECRET ?? 'emulator-secret',
    }],
  });
  for (const address of (process.env.GRAPH_EMULATOR_MAILBOXES ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    emulator.store.addMailbox(address);
  }
  console.log(`${EMULATOR_BANNER}\n  Graph base URL: ${emulator.baseUrl}\n  authority:      ${emulator.authority}\n  tenant:         ${emulator.tenantId}`);
  const stop = () => void emulator.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

void main();
