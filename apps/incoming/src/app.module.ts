import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { HealthModule, MessagingModule, MetricsModule } from '@mailrouter/messaging';
import { dataSourceOptions, INCOMING_ENTITIES } from './data-source';
import { InboundEventsRepository } from './inbound-events.repository';
import { IdleWatchers } from './idle-watchers.service';
import { IncomingNatsController } from './incoming.nats-controller';
import { AttachUseCase } from './attach.usecase';
import { BackfillRequestRepository } from './backfill-request.repository';
import { QuarantineAttachNatsController } from './quarantine-attach.nats-controller';
import { BackfillUseCase } from './backfill.usecase';
import { DeployRulesUseCase } from './deploy-rules.usecase';
import { MAILBOX_HEALTH_PROVIDERS } from './mailbox-health.providers';
import { QuarantineActionsRepository } from './quarantine-actions.repository';
import { QuarantineNatsController } from './quarantine.nats-controller';
import { ReprocessUseCase } from './reprocess.usecase';
import { MailServerRepository } from './mail-server.repository';
import { MailboxLeaseRepository } from './mailbox-lease.repository';
import { MailboxLeases } from './mailbox-leases.service';
import { MailboxStateRepository } from './mailbox-state.repository';
import { MailboxStatusUseCase } from './mailbox-status.usecase';
import { PollLoopReadinessModule } from './poll-loop.readiness';
import { PollMailboxUseCase } from './poll-mailbox.usecase';
import { PollScheduler } from './poll-scheduler.service';
import { PollSpanRepository } from './poll-span.repository';
import { QuarantineRepository } from './quarantine.repository';
import { ReceivedMessageRepository } from './received-message.repository';
import { RecordVerdictUseCase } from './record-verdict.usecase';
import { ServedMailboxes } from './served-mailboxes.service';
import { ServerSlots } from './server-slots';
import { INCOMING_SETTINGS, incomingSettingsFromEnv } from './settings';
import { TestAccessUseCase } from './test-access.usecase';
import { IncomingTraceModule } from './trace/trace.module';

@Module({
  imports: [
    MessagingModule.forRoot('incoming'),
    MetricsModule.forRoot('incoming'),
    TypeOrmModule.forRoot(dataSourceOptions()),
    TypeOrmModule.forFeature(INCOMING_ENTITIES),
    PollLoopReadinessModule,
    HealthModule,
    IncomingTraceModule,
  ],
  controllers: [IncomingNatsController, QuarantineNatsController, QuarantineAttachNatsController],
  providers: [
    { provide: INCOMING_SETTINGS, useFactory: () => incomingSettingsFromEnv() },
    MailboxStateRepository,
    ReceivedMessageRepository,
    QuarantineRepository,
    InboundEventsRepository,
    MailServerRepository,
    DeployRulesUseCase,
    QuarantineActionsRepository,
    ReprocessUseCase,
    AttachUseCase,
    BackfillRequestRepository,
    BackfillUseCase,
    MailboxLeaseRepository,
    PollSpanRepository,
    ServedMailboxes,
    ServerSlots,
    MailboxLeases,
    IdleWatchers,
    PollMailboxUseCase,
    PollScheduler,
    RecordVerdictUseCase,
    MailboxStatusUseCase,
    TestAccessUseCase,
    ...MAILBOX_HEALTH_PROVIDERS,
  ],
})
export class AppModule {}
