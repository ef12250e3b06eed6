import { DataSource, DataSourceOptions } from 'typeorm';
import { appDataSourceOptions } from '@mailrouter/platform';
import { SendLogEntity } from './send/send-log.entity';
import { QuarantinedCommandEntity } from './send/quarantined-command.entity';
import { Init1795775279366 } from './migrations/1795775279366-Init';

export const OUTGOING_ENTITIES = [SendLogEntity, QuarantinedCommandEntity];

export function dataSourceOptions(env: NodeJS.ProcessEnv = process.env): DataSourceOptions {
  return appDataSourceOptions({ schema: 'outgoing', entities: OUTGOING_ENTITIES, migrations: [Init1795775279366], env });
}

export default new DataSource(dataSourceOptions());
