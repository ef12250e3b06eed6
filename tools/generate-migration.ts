/**
 * Writes the migration that brings an app's schema from its existing migrations to its
 * entities: `npm run migration:generate -- <app> <PascalName>`.
 * Runs against a scratch database on TEST_DATABASE_ADMIN_URL's server, dropped afterwards.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource, DataSourceOptions } from 'typeorm';
import { migrateDatabase } from '@mailrouter/platform';
import { createTestDatabase } from '@mailrouter/testing';

async function main(): Promise<void> {
  const [app, name] = process.argv.slice(2);
  if (!app || !name || !/^[A-Z][A-Za-z0-9]+$/.test(name)) {
    console.error('usage: npm run migration:generate -- <app> <PascalName>');
    process.exit(2);
  }
  const db = await createTestDatabase('mr_gen_');
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { dataSourceOptions } = require(join(__dirname, '..', 'apps', app, 'src', 'data-source.ts')) as {
      dataSourceOptions: (env?: NodeJS.ProcessEnv) => DataSourceOptions;
    };
    const options = dataSourceOptions({ ...process.env, DATABASE_URL: db.url });
    await migrateDatabase(options);
    const ds = new DataSource(options);
    await ds.initialize();
    const sql = await ds.driver.createSchemaBuilder().log();
    await ds.destroy();
    if (sql.upQueries.length === 0) {
      console.log('entities and migrations agree: nothing to generate');
      return;
    }
    const ts = Date.now();
    const q = (s: string) => JSON.stringify(s);
    const up = sql.upQueries.map((x) => `    await queryRunner.query(${q(x.query)});`).join('\n');
    const down = sql.downQueries.reverse().map((x) => `    await queryRunner.query(${q(x.query)});`).join('\n');
    const file = join(__dirname, '..', 'apps', app, 'src', 'migrations', `${ts}-${name}.ts`);
    writeFileSync(file, `import { MigrationInterface, QueryRunner } from 'typeorm';

export class ${name}${ts} implements MigrationInterface {
  name = '${name}${ts}';

  public async up(queryRunner: QueryRunner): Promise<void> {
${up}
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
${down}
  }
}
`);
    console.log(`wrote ${file}; add the class to the migrations list in apps/${app}/src/data-source.ts`);
  } finally {
    await db.drop();
  }
}

void main();
