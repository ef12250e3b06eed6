/**
 * Runs the Dataverse EMULATOR as a process (a test double, not Microsoft Dataverse):
 *   node -r ./tools/register.js tools/dataverse-emulator/src/main.ts
 * Env: DATAVERSE_EMULATOR_PORT (default 5555), DATAVERSE_EMULATOR_TENANT_ID,
 * DATAVERSE_EMULATOR_CLIENT_ID (default emulator-client), DATAVERSE_EMULATOR_CLIENT_SECRET (default emulator-secret).
 */
import { EMULATOR_BANNER, startDataverseEmulator } from './emulator';

async function main(): Promise<void> {
  const emulator = await startDataverseEmulator({
    port: Number(process.env.DATAVERSE_EMULATOR_PORT ?? 5555),
    tenantId: process.env.DATAVERSE_EMULATOR_TENANT_ID,
    clients: [{
      clientId: process.env.DATAVERSE_EMULATOR_CLIENT_ID ?? 'emulator-client',
      clientSecret: process.env.DATAVERSE_EMULATOR_CLIENT_SECRET ?? 'emulator-secret',
    }],
  });
  console.log(`${EMULATOR_BANNER}\n  environment URL: ${emulator.url}\n  authority:       ${emulator.authority}\n  control:         ${emulator.url}/_emulator/`);
  const stop = () => void emulator.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

void main();
