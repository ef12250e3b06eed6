import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { EventConsumers } from '@mailrouter/messaging';
import { OUTGOING_SETTINGS, type OutgoingSettings } from '../settings';
import { QuarantineRepository } from './quarantine.repository';
import { EXTRA_DELIVERIES, SendEmailUseCase } from './send-email.usecase';

/** Durable consumer name shared by every outgoing replica. Changing it needs a migration plan. */
export const SEND_COMMANDS_DURABLE = 'outgoing-send-commands';

/** Pulls `sendCommand`s (stream OUTBOUND); ack / retry / quarantine is the consumer's, the decision the use case's. */
@Injectable()
export class SendCommandConsumer implements OnApplicationBootstrap {
  constructor(
    private readonly consumers: EventConsumers,
    private readonly sendEmail: SendEmailUseCase,
    private readonly quarantine: QuarantineRepository,
    @Inject(OUTGOING_SETTINGS) private readonly settings: OutgoingSettings,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.consumers.start({
      event: 'sendCommand',
      durable: SEND_COMMANDS_DURABLE,
      concurrency: this.settings.concurrency,
      maxAttempts: this.settings.maxAttempts + EXTRA_DELIVERIES,
      backoff: this.settings.retry,
      handle: (cmd, ctx) => this.sendEmail.execute(cmd, ctx),
      quarantine: (record) => this.quarantine.record(record),
    });
  }
}
