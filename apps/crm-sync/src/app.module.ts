import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { HealthModule, MessagingModule, MetricsModule } from '@mailrouter/messaging';
import { BearerTokenGuard } from '@mailrouter/platform';
import { CRM_ENTITIES, dataSourceOptions } from './data-source';
import { CRM_SETTINGS, CrmSettings, crmSettingsFromEnv } from './settings';
import { CRM_CONNECTOR } from './crm-connector.token';
import { TransactionScope } from './transaction-scope.repository';
import { RecordsRepository } from './builtin-crm/records.repository';
import { EmailsRepository } from './builtin-crm/emails.repository';
import { BuiltinCrmConnector } from './builtin-crm/builtin-crm.connector';
import { TRACKING_PROVIDERS } from './builtin-crm/tracking.providers';
import { ReceivedTrailRepository } from './incoming-flow/received-trail.repository';
import { ProcessReceivedUseCase } from './incoming-flow/process-received.usecase';
import { MailReceivedNatsController } from './incoming-flow/mail-received.nats-controller';
import { QuarantineRepository } from './quarantine/quarantine.repository';
import { DispatchOutgoingUseCase } from './outgoing-flow/dispatch-outgoing.usecase';
import { ClaimLoop } from './outgoing-flow/claim-loop.service';
import { RecordSendResultUseCase } from './outgoing-flow/record-send-result.usecase';
import { SendResultNatsController } from './outgoing-flow/send-result.nats-controller';
import { RecordsUseCase } from './api/records.usecase';
import { RecordsController } from './api/records.controller';
import { EmailsUseCase } from './api/emails.usecase';
import { EmailsController } from './api/emails.controller';
import { TrailUseCase } from './api/trail.usecase';
import { TrailController } from './api/trail.controller';
import { LoadDataNatsController } from './load-data.nats-controller';
import { ManualAttachNatsController } from './manual-attach/manual-attach.nats-controller';
import { ManualAttachRepository } from './manual-attach/manual-attach.repository';
import { ManualAttachUseCase } from './manual-attach/manual-attach.usecase';
import { CONNECTOR_PROVIDERS } from './connectors/connectors.providers';
import { CrmTraceModule } from './trace/trace.module';

@Module({
  imports: [
    MessagingModule.forRoot('crm-sync'),
    MetricsModule.forRoot('crm-sync'),
    TypeOrmModule.forRootAsync({ useFactory: () => dataSourceOptions() }),
    TypeOrmModule.forFeature(CRM_ENTITIES),
    HealthModule,
    CrmTraceModule,
  ],
  // RecordsController last: its /crm/v1/:kind routes must not shadow emails, received, quarantine.
  controllers: [EmailsController, TrailController, RecordsController, LoadDataNatsController, ManualAttachNatsController],
  providers: [
    ManualAttachRepository,
    ManualAttachUseCase,
    { provide: CRM_SETTINGS, useFactory: () => crmSettingsFromEnv() },
    {
      provide: APP_GUARD,
      useFactory: (s: CrmSettings) => new BearerTokenGuard(s.apiToken),
      inject: [CRM_SETTINGS],
    },
    TransactionScope,
    RecordsRepository,
    EmailsRepository,
    BuiltinCrmConnector,
    ...TRACKING_PROVIDERS,
    { provide: CRM_CONNECTOR, useExisting: BuiltinCrmConnector },
    ...CONNECTOR_PROVIDERS,
    ReceivedTrailRepository,
    QuarantineRepository,
    ProcessReceivedUseCase,
    MailReceivedNatsController,
    DispatchOutgoingUseCase,
    ClaimLoop,
    RecordSendResultUseCase,
    SendResultNatsController,
    RecordsUseCase,
    EmailsUseCase,
    TrailUseCase,
  ],
})
export class AppModule {}
