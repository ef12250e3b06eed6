import { Logger } from '@nestjs/common';
import { Client } from 'pg';
import type { DataSourceOptions, EntitySchema, MixedList } from 'typeorm';
import { parseEnv, databaseEnv } from './env';

/**
 * A pg client that is never without an 'error' listener. pg-pool and TypeORM each listen only
 * while they hold a client, and a connection that PostgreSQL ends (a fast shutdown sends every
 * backend a FATAL, then closes the socket) can report a second error after they let go, which,
 * unheard, would crash the process (seen in the PostgreSQL outage fault test). The queries and the
 * pool still get every error as before; this one only logs what nobody else took.
 */
export class GuardedPgClient extends Client {
  private static readonly log = new Logger('Database');

  constructor(config?: ConstructorParameters<typeof Client>[0]) {
    super(config);
    this.on('error', (err: Error) => {
      if (this.listenerCount('error') === 1) GuardedPgClient.log.warn(`database connection ended: ${err.message}`);
    });
  }
}

/**
 * The TypeORM options of one app: its own schema, explicit entity and migration lists
 * (no globs), `synchronize` off, migrations run at boot (and by `npm run migrate`).
 */
export function appDataSourceOptions(opts: {
  schema: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function | string | EntitySchema>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function | string>;
  env?: NodeJS.ProcessEnv;
}): DataSourceOptions {
  const env = parseEnv(databaseEnv, opts.env ?? process.env);
  return {
    type: 'postgres',
    url: env.DATABASE_URL,
    schema: opts.schema,
    entities: opts.entities,
    migrations: opts.migrations,
    migrationsTableName: `${opts.schema}_migrations`,
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: ['error'],
    extra: { max: env.DATABASE_POOL_SIZE, connectionTimeoutMillis: 5000, Client: GuardedPgClient },
  };
}

/**
 * Creates the app's schema and runs its pending migrations, then closes the connection.
 * Called at boot before the app opens its pool, and by the migration Job in Kubernetes.
 */
export async function migrateDatabase(options: DataSourceOptions): Promise<string[]> {
  const { DataSource } = await import('typeorm');
  const schema = (options as { schema?: string }).schema;
  const ds = new DataSource({ ...options, migrationsRun: false });
  await ds.initialize();
  // Replicas starting together migrate one at a time: a session lock per schema.
  const runner = ds.createQueryRunner();
  const lockKey = `mailrouter-migrate:${schema ?? 'public'}`;
  try {
    await runner.connect();
    await runner.query('SELECT pg_advisory_lock(hashtext($1))', [lockKey]);
    if (schema) await ds.query(`CREATE SCHEMA IF NOT EXISTS "${schema.replace(/"/g, '')}"`);
    const ran = await ds.runMigrations({ transaction: 'each' });
    return ran.map((m) => m.name);
  } finally {
    await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [lockKey]).catch(() => undefined);
    await runner.release();
    await ds.destroy();
  }
}
