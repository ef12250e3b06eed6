import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { HealthModule, MessagingModule, MetricsModule } from '@mailrouter/messaging';
import { dataSourceOptions, OUTGOING_ENTITIES } from './data-source';
import { MailboxDirectoryRepository } from './mailboxes/mailbox-directory.repository';
import { MailTransportRepository } from './send/mail-transport.repository';
import { QuarantineRepository } from './send/quarantine.repository';
import { SendCommandConsumer } from './send/send-command.consumer';
import { SendEmailUseCase } from './send/send-email.usecase';
import { SendLogRepository } from './send/send-log.repository';
import { SendResultsRepository } from './send/send-results.repository';
import { UnrecordedOutcomes } from './send/unrecorded-outcomes';
import { OUTGOING_SETTINGS, outgoingSettingsFromEnv } from './settings';
import { OutgoingAccessRepository } from './test-access/outgoing-access.repository';
import { TestAccessNatsController } from './test-access/test-access.nats-controller';
import { TestOutgoingAccessUseCase } from './test-access/test-outgoing-access.usecase';

/** outgoing: sends CRM email over SMTP, once, and reports the result. HTTP: /health only. */
@Module({
  imports: [
    MessagingModule.forRoot('outgoing'),
    MetricsModule.forRoot('outgoing'),
    TypeOrmModule.forRootAsync({ useFactory: () => dataSourceOptions() }),
    TypeOrmModule.forFeature(OUTGOING_ENTITIES),
    HealthModule,
  ],
  controllers: [TestAccessNatsController],
  providers: [
    { provide: OUTGOING_SETTINGS, useFactory: () => outgoingSettingsFromEnv() },
    MailboxDirectoryRepository,
    MailTransportRepository,
    SendLogRepository,
    SendResultsRepository,
    QuarantineRepository,
    OutgoingAccessRepository,
    // One per process: outcomes the database was away for, recorded when the command runs again.
    { provide: UnrecordedOutcomes, useFactory: () => new UnrecordedOutcomes() },
    SendEmailUseCase,
    TestOutgoingAccessUseCase,
    SendCommandConsumer,
  ],
})
export class AppModule {}
