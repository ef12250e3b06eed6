import { Inject, Injectable } from '@nestjs/common';
import { SendResultV1 } from '@mailrouter/contracts';
import { CrmConnector } from '@mailrouter/domain';
import { QuarantineRecord } from '@mailrouter/messaging';
import { CRM_CONNECTOR } from '../crm-connector.token';
import { QuarantineRepository } from '../quarantine/quarantine.repository';

/** The outgoing flow's second half: write `outgoing`'s result back to the CRM email. */
@Injectable()
export class RecordSendResultUseCase {
  constructor(
    @Inject(CRM_CONNECTOR) private readonly connector: CrmConnector,
    private readonly quarantines: QuarantineRepository,
  ) {}

  async handle(result: SendResultV1): Promise<void> {
    const outcome = { emailId: result.emailId, messageId: result.messageId, deliveryAttempts: result.deliveryAttempts };
    if (result.outcome === 'sent') return this.connector.markSent(outcome);
    const reason = [result.reason, result.serverResponse].filter(Boolean).join(': ') || 'sending failed';
    return this.connector.markFailed({ ...outcome, reason });
  }

  quarantine(record: QuarantineRecord): Promise<void> {
    return this.quarantines.record(record);
  }
}
