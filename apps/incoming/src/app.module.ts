import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { HealthModule, MessagingModule } from '@mailrouter/messaging';
import { dataSourceOptions, INCOMING_ENTITIES } from './data-source';
import { InboundEventsRepository } from './inbound-events.repository';
import { IncomingNatsController } from './incoming.nats-controller';
import { MailServerRepository } from './mail-server.repository';
import { MailboxStateRepository } from './mailbox-state.repository';
import { MailboxStatusUseCase } from './mailbox-status.usecase';
import { PollLoopReadinessModule } from './poll-loop.readiness';
import { PollMailboxUseCase } from './poll-mailbox.usecase';
import { PollScheduler } from './poll-scheduler.service';
import { QuarantineRepository } from './quarantine.repository';
import { ReceivedMessageRepository } from './received-message.repository';
import { RecordVerdictUseCase } from './record-verdict.usecase';
import { ServedMailboxes } from './served-mailboxes.service';
import { INCOMING_SETTINGS, incomingSettingsFromEnv } from './settings';
import { TestAccessUseCase } from './test-access.usecase';

@Module({
  imports: [
    MessagingModule.forRoot('incoming'),
    TypeOrmModule.forRoot(dataSourceOptions()),
    TypeOrmModule.forFeature(INCOMING_ENTITIES),
    PollLoopReadinessModule,
    HealthModule,
  ],
  controllers: [IncomingNatsController],
  providers: [
    { provide: INCOMING_SETTINGS, useFactory: () => incomingSettingsFromEnv() },
    MailboxStateRepository,
    ReceivedMessageRepository,
    QuarantineRepository,
    InboundEventsRepository,
    MailServerRepository,
    ServedMailboxes,
    PollMailboxUseCase,
    PollScheduler,
    RecordVerdictUseCase,
    MailboxStatusUseCase,
    TestAccessUseCase,
  ],
})
export class AppModule {}
