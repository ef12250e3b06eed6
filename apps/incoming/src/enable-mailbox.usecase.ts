import { Injectable, Logger } from '@nestjs/common';
import type { MailboxEnableReplyV1, MailboxEnableRequestV1 } from '@mailrouter/contracts';
import { MailboxStateRepository } from './mailbox-state.repository';
import { ServedMailboxes } from './served-mailboxes.service';

/**
 * Lifts a mailbox's disablement (config asks after its test access succeeded): failures
 * forgiven and due at once. The replica holding its lease polls it at its next tick, from the
 * saved cursor, so nothing already received is published again.
 */
@Injectable()
export class EnableMailboxUseCase {
  private readonly log = new Logger(EnableMailboxUseCase.name);

  constructor(private readonly served: ServedMailboxes, private readonly states: MailboxStateRepository) {}

  async execute(req: MailboxEnableRequestV1): Promise<MailboxEnableReplyV1> {
    const id = req.mailboxId;
    const served = this.served.get(id);
    if (!served) {
      return { mailboxId: id, status: 'not-served', message: `mailbox ${id} is not in the published configuration (or not enabled there): publish it first` };
    }
    await this.states.ensure([id], []);
    const { wasDisabled } = await this.states.enable(id);
    if (!wasDisabled) return { mailboxId: id, status: 'not-disabled', message: `mailbox ${served.mailbox.address} was not disabled; it is polled now` };
    this.log.log(`mailbox ${id} (${served.mailbox.address}) enabled again; polled now, from its cursor`);
    return { mailboxId: id, status: 'enabled', message: `mailbox ${served.mailbox.address} is enabled again and polled now` };
  }
}
