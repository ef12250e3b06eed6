import { DataSource, DataSourceOptions } from 'typeorm';
import { appDataSourceOptions } from '@mailrouter/platform';
import { MailboxStateEntity } from './entities/mailbox-state.entity';
import { ReceivedMessageEntity } from './entities/received-message.entity';
import { QuarantinedEventEntity } from './entities/quarantined-event.entity';
import { Init1795775466073 } from './migrations/1795775466073-Init';

export const INCOMING_ENTITIES = [MailboxStateEntity, ReceivedMessageEntity, QuarantinedEventEntity];

export function dataSourceOptions(env: NodeJS.ProcessEnv = process.env): DataSourceOptions {
  return appDataSourceOptions({ schema: 'incoming', entities: INCOMING_ENTITIES, migrations: [Init1795775466073], env });
}

export default new DataSource(dataSourceOptions());
