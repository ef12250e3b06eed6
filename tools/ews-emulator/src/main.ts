/**
 * Runs the EWS EMULATOR as a process (a test double, not Microsoft Exchange):
 *   node -r ./tools/register.js tools/ews-emulator/src/main.ts
 * Env: EWS_EMULATOR_PORT (default 5580), EWS_EMULATOR_USERS (default
 * "user1@contoso.test:Passw0rd!,crm@contoso.test:Passw0rd!"): address:password pairs, usernames are
 * the local parts, domain CONTOSO.
 */
import { EMULATOR_BANNER, startEwsEmulator } from './emulator';

async function main(): Promise<void> {
  const emulator = await startEwsEmulator({ port: Number(process.env.EWS_EMULATOR_PORT ?? 5580), host: process.env.EWS_EMULATOR_HOST });
  const users = (process.env.EWS_EMULATOR_USERS ?? 'user1@contoso.test:Passw0rd!,crm@contoso.test:Passw0rd!').split(',');
  for (const pair of users) {
    const at = pair.indexOf(':');
    emulator.store.addUser({ address: pair.slice(0, at), password: pair.slice(at + 1) });
  }
  console.log(`${EMULATOR_BANNER}\n  EWS URL:          ${emulator.url}\n  Autodiscover URL: ${emulator.autodiscoverUrl}\n  mailboxes:        ${[...emulator.store.users.keys()].join(', ')}`);
  const stop = () => void emulator.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

void main();
