import { Injectable, Logger } from '@nestjs/common';
import type { MailVerdictV1 } from '@mailrouter/contracts';
import type { QuarantineRecord } from '@mailrouter/messaging';
import { QuarantineRepository } from './quarantine.repository';
import { ReceivedMessageRepository } from './received-message.repository';

/**
 * Stores the CRM's verdict on the message's row (state `verdict`); the mailbox's next poll,
 * which the scheduler starts at once, settles it on the server.
 */
@Injectable()
export class RecordVerdictUseCase {
  private readonly log = new Logger(RecordVerdictUseCase.name);

  constructor(private readonly received: ReceivedMessageRepository, private readonly quarantined: QuarantineRepository) {}

  async execute(v: MailVerdictV1): Promise<void> {
    const result = await this.received.recordVerdict(v);
    if (result === 'unknown') this.log.warn(`verdict for unknown message ${v.receivedId} (mailbox ${v.mailboxId}) acknowledged and ignored`);
    else if (result === 'already') this.log.debug(`repeated verdict for ${v.receivedId} ignored`);
  }

  async quarantine(record: QuarantineRecord): Promise<void> {
    await this.quarantined.record(record);
  }
}
