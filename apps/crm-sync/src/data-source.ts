import { DataSource, DataSourceOptions } from 'typeorm';
import { appDataSourceOptions } from '@mailrouter/platform';
import {
  AccountEntity, ContactEntity, CrmQueueEntity, CrmUserEntity, LeadEntity,
} from './builtin-crm/entities/crm-records.entity';
import { AttachmentEntity, EmailEntity, EmailPartyEntity } from './builtin-crm/entities/email.entity';
import { QuarantineEntity, ReceivedMailEntity } from './builtin-crm/entities/trail.entity';
import { AlertEntity, QueueItemEntity } from './builtin-crm/entities/tracking-state.entity';
import { Init1795775203798 } from './migrations/1795775203798-Init';
import { TrackingCounter1795775203900 } from './migrations/1795775203900-TrackingCounter';
import { TrackingRules1795777395133 } from './migrations/1795777395133-TrackingRules';

export const CRM_ENTITIES = [
  CrmUserEntity, CrmQueueEntity, AccountEntity, ContactEntity, LeadEntity,
  EmailEntity, EmailPartyEntity, AttachmentEntity, ReceivedMailEntity, QuarantineEntity, AlertEntity, QueueItemEntity,
];

export function dataSourceOptions(env: NodeJS.ProcessEnv = process.env): DataSourceOptions {
  return appDataSourceOptions({ schema: 'crm', entities: CRM_ENTITIES, migrations: [Init1795775203798, TrackingCounter1795775203900, TrackingRules1795777395133], env });
}

export default new DataSource(dataSourceOptions());
