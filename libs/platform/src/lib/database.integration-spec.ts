import { MigrationInterface, QueryRunner } from 'typeorm';
import { Client } from 'pg';
import { appDataSourceOptions, migrateDatabase } from './database';

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
