import { Injectable, Logger } from '@nestjs/common';
import type { MailVerdictV1 } from '@mailrouter/contracts';
import type { QuarantineRecord } from '@mailrouter/messaging';
import { Coalescer } from '@mailrouter/platform';
import { QuarantineRepository } from './quarantine.repository';
import { ReceivedMessageRepository } from './received-message.repository';

/**
 * Stores the CRM's verdict on the message's row (state `verdict`); the mailbox's next poll,
 * which the scheduler starts at once, settles it on the server. The verdicts consumed at the
 * same time are written with one statement (a Coalescer): one UPDATE per verdict was most of
 * incoming's database work while crm-sync worked through a backlog (docs/performance.md F10).
 */
@Injectable()
export class RecordVerdictUseCase {
  private readonly log = new Logger(RecordVerdictUseCase.name);

  private readonly verdicts = new Coalescer<MailVerdictV1, 'recorded' | 'already' | 'unknown'>((vs) => this.received.recordVerdicts(vs));

  constructor(private readonly received: ReceivedMessageRepository, private readonly quarantined: QuarantineRepository) {}

  async execute(v: MailVerdictV1): Promise<void> {
    const result = await this.verdicts.submit(v);
    if (result === 'unknown') this.log.warn(`verdict for unknown message ${v.receivedId} (mailbox ${v.mailboxId}) acknowledged and ignored`);
    else if (result === 'already') this.log.debug(`repeated verdict for ${v.receivedId} ignored`);
  }

  async quarantine(record: QuarantineRecord): Promise<void> {
    await this.quarantined.record(record);
  }
}
