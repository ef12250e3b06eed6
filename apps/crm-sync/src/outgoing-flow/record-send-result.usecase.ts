import { Injectable } from '@nestjs/common';
import { SendResultV1 } from '@mailrouter/contracts';
import { QuarantineRecord } from '@mailrouter/messaging';
import { CrmConnectors } from '../connectors/crm-connectors.registry';
import { QuarantineRepository } from '../quarantine/quarantine.repository';

/** The outgoing flow's second half: write `outgoing`'s result back to the CRM email of its deployment. */
@Injectable()
export class RecordSendResultUseCase {
  constructor(
    private readonly connectors: CrmConnectors,
    private readonly quarantines: QuarantineRepository,
  ) {}

  async handle(result: SendResultV1): Promise<void> {
    const connector = await this.connectors.forDeployment(result.deploymentId);
    const outcome = { emailId: result.emailId, messageId: result.messageId, deliveryAttempts: result.deliveryAttempts };
    if (result.outcome === 'sent') return connector.markSent(outcome);
    const reason = [result.reason, result.serverResponse].filter(Boolean).join(': ') || 'sending failed';
    return connector.markFailed({ ...outcome, reason });
  }

  quarantine(record: QuarantineRecord): Promise<void> {
    return this.quarantines.record(record);
  }
}
