import { DataSource, DataSourceOptions } from 'typeorm';
import { migrateDatabase } from '@mailrouter/platform';
import { createTestDatabase } from './test-database';

/**
 * Runs an app's migrations on a fresh database and returns the SQL TypeORM would still need
 * to match the entities: an empty list means entities and migrations agree.
 */
export async function schemaDrift(dataSourceOptions: (env: NodeJS.ProcessEnv) => DataSourceOptions): Promise<string[]> {
  const db = await createTestDatabase('mr_drift_');
  try {
    const options = dataSourceOptions({ ...process.env, DATABASE_URL: db.url });
    await migrateDatabase(options);
    const ds = new DataSource(options);
    await ds.initialize();
    try {
      const sql = await ds.driver.createSchemaBuilder().log();
      return sql.upQueries.map((q) => q.query);
    } finally {
      await ds.destroy();
    }
  } finally {
    await db.drop();
  }
}
