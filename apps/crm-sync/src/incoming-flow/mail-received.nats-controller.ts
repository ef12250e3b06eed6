import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { EventConsumers } from '@mailrouter/messaging';
import { CRM_SETTINGS, CrmSettings } from '../settings';
import { ProcessReceivedUseCase } from './process-received.usecase';

/** Consumes `mailReceived` (durable `crm-sync-received`, shared by replicas). */
@Injectable()
export class MailReceivedNatsController implements OnApplicationBootstrap {
  constructor(
    private readonly consumers: EventConsumers,
    private readonly useCase: ProcessReceivedUseCase,
    @Inject(CRM_SETTINGS) private readonly settings: CrmSettings,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.consumers.start({
      event: 'mailReceived',
      durable: 'crm-sync-received',
      concurrency: this.settings.receivedConcurrency,
      maxAttempts: this.settings.receivedMaxAttempts,
      backoff: this.settings.consumerBackoff,
      handle: (event) => this.useCase.handle(event),
      quarantine: (record) => this.useCase.quarantine(record),
    });
  }
}
