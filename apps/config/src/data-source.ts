import { DataSource, DataSourceOptions } from 'typeorm';
import { appDataSourceOptions } from '@mailrouter/platform';
import { CONFIG_ENTITIES } from './entities';
import { Init1795775215426 } from './migrations/1795775215426-Init';
import { DeploymentCrmTracking1795777395471 } from './migrations/1795777395471-DeploymentCrmTracking';
import { ExchangeProfiles1795783850366 } from './migrations/1795783850366-ExchangeProfiles';
import { UsersTokensAudit1795786181321 } from './migrations/1795786181321-UsersTokensAudit';

export const CONFIG_SCHEMA = 'config';

/** The `config` schema: used by the app and by the TypeORM CLI / migration Job. */
export function dataSourceOptions(env: NodeJS.ProcessEnv = process.env): DataSourceOptions {
  return appDataSourceOptions({
    schema: CONFIG_SCHEMA,
    entities: CONFIG_ENTITIES,
    migrations: [
      Init1795775215426, DeploymentCrmTracking1795777395471, ExchangeProfiles1795783850366, UsersTokensAudit1795786181321,
    ],
    env,
  });
}

export default new DataSource(dataSourceOptions());
