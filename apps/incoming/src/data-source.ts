import { DataSource, DataSourceOptions } from 'typeorm';
import { appDataSourceOptions } from '@mailrouter/platform';
import { MailboxStateEntity } from './entities/mailbox-state.entity';
import { ReceivedMessageEntity } from './entities/received-message.entity';
import { PollSpanEntity } from './entities/poll-span.entity';
import { QuarantinedEventEntity } from './entities/quarantined-event.entity';
import { ReplicaEntity } from './entities/replica.entity';
import { Init1795775466073 } from './migrations/1795775466073-Init';
import { ReplicaLeases1795777470254 } from './migrations/1795777470254-ReplicaLeases';
import { SyncStateAndItemId1795783766751 } from './migrations/1795783766751-SyncStateAndItemId';
import { QuarantineAndBackfill1795790000000 } from './migrations/1795790000000-QuarantineAndBackfill';
import { MailboxDisable1795800000000 } from './migrations/1795800000000-MailboxDisable';
import { LeftServer1795810000000 } from './migrations/1795810000000-LeftServer';
import { BackfillRequestEntity, QuarantineActionEntity } from './entities/quarantine-backfill.entity';

export const INCOMING_ENTITIES = [
  MailboxStateEntity, ReceivedMessageEntity, QuarantinedEventEntity, ReplicaEntity, PollSpanEntity, QuarantineActionEntity, BackfillRequestEntity,
];

export function dataSourceOptions(env: NodeJS.ProcessEnv = process.env): DataSourceOptions {
  return appDataSourceOptions({ schema: 'incoming', entities: INCOMING_ENTITIES, migrations: [Init1795775466073, ReplicaLeases1795777470254, SyncStateAndItemId1795783766751, QuarantineAndBackfill1795790000000, MailboxDisable1795800000000, LeftServer1795810000000], env });
}

export default new DataSource(dataSourceOptions());
