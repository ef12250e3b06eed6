/**
 * `npm run migrate [app…]`: creates each app's schema and runs its pending migrations.
 * Every app also does this for itself at boot; Kubernetes runs it as a Job before a rollout.
 */
import { join } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import { migrateDatabase } from '@mailrouter/platform';

const APPS = ['config', 'crm-sync', 'incoming', 'outgoing'];

async function main(): Promise<void> {
  const apps = process.argv.slice(2).length ? process.argv.slice(2) : APPS;
  for (const app of apps) {
    if (!APPS.includes(app)) throw new Error(`unknown app ${app}; one of ${APPS.join(', ')}`);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { dataSourceOptions } = require(join(__dirname, '..', 'apps', app, 'src', 'data-source.ts')) as { dataSourceOptions: () => DataSourceOptions };
    const ran = await migrateDatabase(dataSourceOptions());
    console.log(`${app}: ${ran.length ? `applied ${ran.join(', ')}` : 'up to date'}`);
  }
}

main().catch((err) => {
  console.error(`migration failed: ${(err as Error).message}`);
  process.exit(1);
});
