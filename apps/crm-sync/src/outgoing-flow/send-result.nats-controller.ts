import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { EventConsumers } from '@mailrouter/messaging';
import { CRM_SETTINGS, CrmSettings } from '../settings';
import { RecordSendResultUseCase } from './record-send-result.usecase';

/** Send results written back at once per replica (one result per email; the built-in CRM writes those arriving together in one statement). */
export const SEND_RESULT_CONCURRENCY = 32;

/** Consumes `sendResult` (durable `crm-sync-send-results`, shared by replicas). */
@Injectable()
export class SendResultNatsController implements OnApplicationBootstrap {
  constructor(
    private readonly consumers: EventConsumers,
    private readonly useCase: RecordSendResultUseCase,
    @Inject(CRM_SETTINGS) private readonly settings: CrmSettings,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.consumers.start({
      event: 'sendResult',
      durable: 'crm-sync-send-results',
      maxAttempts: this.settings.sendResultMaxAttempts,
      concurrency: SEND_RESULT_CONCURRENCY,
      backoff: this.settings.consumerBackoff,
      handle: (result) => this.useCase.handle(result),
      quarantine: (record) => this.useCase.quarantine(record),
    });
  }
}
