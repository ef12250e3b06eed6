import { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { Client, Pool } from 'pg';
import { appDataSourceOptions, GuardedPgClient, migrateDatabase } from './database';

class CreateThings1700000000000 implements MigrationInterface {
  name = 'CreateThings1700000000000';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TYPE "spec"."thing_kind" AS ENUM ('a', 'b')`);
    await q.query(`CREATE TABLE "spec"."thing" ("id" serial PRIMARY KEY, "kind" "spec"."thing_kind" NOT NULL)`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "spec"."thing"`);
    await q.query(`DROP TYPE "spec"."thing_kind"`);
  }
}

// Plain pg here: @mailrouter/testing depends on this lib.
const ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function admin(sql: string): Promise<void> {
  const c = new Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

describe('migrateDatabase', () => {
  const name = `mr_t_migrate_${process.pid}_${Date.now().toString(36)}`;
  const db = { url: Object.assign(new URL(ADMIN_URL), { pathname: `/${name}` }).toString() };
  beforeAll(() => admin(`CREATE DATABASE "${name}"`));
  afterAll(() => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));

  it('lets replicas that start together migrate one at a time: each migration runs once', async () => {
    const options = appDataSourceOptions({
      schema: 'spec', entities: [], migrations: [CreateThings1700000000000], env: { DATABASE_URL: db.url },
    });
    const runs = await Promise.all([migrateDatabase(options), migrateDatabase(options), migrateDatabase(options)]);
    expect(runs.flat()).toEqual(['CreateThings1700000000000']);
    expect(await migrateDatabase(options)).toEqual([]);
  });
});

describe('database connections PostgreSQL ends', () => {
  it('a connection ended while nobody holds a listener on it (a fast shutdown under load) is logged, not a crash; the pool goes on', async () => {
    const ds = new DataSource(appDataSourceOptions({ schema: 'public', entities: [], migrations: [], env: { DATABASE_URL: ADMIN_URL } }));
    await ds.initialize();
    try {
      // Checked out of the pool: its idle listener is off, and no TypeORM query runner holds it.
      const client = await (ds.driver as unknown as { master: Pool }).master.connect();
      expect(client).toBeInstanceOf(GuardedPgClient);
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      const ended = new Promise((r) => client.once('end', r));
      // What a fast shutdown sends every backend: FATAL 57P01, then the socket closes.
      await admin(`SELECT pg_terminate_backend(${rows[0].pid})`);
      await ended;
      client.release(true);
      expect(await ds.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    } finally {
      await ds.destroy();
    }
  });
});
