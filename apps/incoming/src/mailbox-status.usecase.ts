import { Injectable } from '@nestjs/common';
import type { MailboxStatusReplyV1, MailboxStatusRequestV1 } from '@mailrouter/contracts';
import { MailboxStateRepository } from './mailbox-state.repository';
import { ReceivedMessageRepository } from './received-message.repository';
import { ServedMailboxes } from './served-mailboxes.service';

@Injectable()
export class MailboxStatusUseCase {
  constructor(
    private readonly served: ServedMailboxes,
    private readonly states: MailboxStateRepository,
    private readonly received: ReceivedMessageRepository,
  ) {}

  async execute(req: MailboxStatusRequestV1): Promise<MailboxStatusReplyV1> {
    const served = this.served.get(req.mailboxId);
    const [state, messages] = await Promise.all([this.states.get(req.mailboxId), this.received.counts(req.mailboxId)]);
    const iso = (d: Date | null | undefined) => (d ? d.toISOString() : undefined);
    return {
      mailboxId: req.mailboxId,
      // Disabled after repeated failures: published, but not polled until re-enabled.
      active: !!served && !state?.disabledAt,
      configVersion: served?.configVersion,
      lastPollAt: iso(state?.lastPollAt),
      lastSuccessAt: iso(state?.lastSuccessAt),
      nextPollAt: served ? iso(state?.nextPollAt) : undefined,
      consecutiveFailures: state?.consecutiveFailures ?? 0,
      lastError: state?.disabledAt ? `disabled since ${state.disabledAt.toISOString()}: ${state.disabledReason ?? state.lastError}` : state?.lastError ?? undefined,
      messages,
    };
  }
}
