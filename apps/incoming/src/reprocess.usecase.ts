import { Injectable, Logger } from '@nestjs/common';
import type {
  QuarantineActionReplyV1, QuarantineActionRequestV1, QuarantinedMessageV1, QuarantineListReplyV1, QuarantineListRequestV1,
} from '@mailrouter/contracts';
import { MailboxStateRepository } from './mailbox-state.repository';
import { QuarantineActionsRepository, reprocessedId } from './quarantine-actions.repository';
import type { ReceivedMessageEntity } from './entities/received-message.entity';

/** Attempts at a free `#r<n>` id when another replica re-processes the same message at once. */
const REPROCESS_ID_ATTEMPTS = 3;

/**
 * The quarantine of received messages: list them, publish one again under a new received id
 * (`<receivedId>#r<n>`, so the CRM decides afresh instead of repeating its verdict), or discard it.
 */
@Injectable()
export class ReprocessUseCase {
  private readonly log = new Logger(ReprocessUseCase.name);

  constructor(private readonly quarantine: QuarantineActionsRepository, private readonly states: MailboxStateRepository) {}

  async list(req: QuarantineListRequestV1): Promise<QuarantineListReplyV1> {
    const rows = await this.quarantine.listQuarantined(req);
    return { messages: await Promise.all(rows.map((r) => this.view(r))) };
  }

  async act(req: QuarantineActionRequestV1): Promise<QuarantineActionReplyV1> {
    const { receivedId } = req;
    const row = await this.quarantine.find(receivedId);
    if (!row) return { receivedId, status: 'not-found', message: `no received message ${receivedId}` };
    if (row.outcome !== 'quarantined') {
      const what = row.outcome ? `its outcome is ${row.outcome}` : 'it has no verdict yet';
      return { receivedId, status: 'not-quarantined', message: `${receivedId} is not quarantined: ${what}` };
    }
    const done = await this.quarantine.actionOf(receivedId);
    if (req.action === 'discard') {
      if (done?.action === 'discarded') return { receivedId, status: 'discarded', message: `${receivedId} was discarded already` };
      await this.quarantine.discard(receivedId);
      this.log.log(`${receivedId} discarded by an administrator`);
      return { receivedId, status: 'discarded', message: `${receivedId} discarded; it stays in the trace` };
    }
    return this.reprocess(row);
  }

  private async reprocess(row: ReceivedMessageEntity): Promise<QuarantineActionReplyV1> {
    const { receivedId } = row;
    if (!row.rawKey) {
      return {
        receivedId, status: 'not-reprocessable',
        message: `${receivedId} was never fetched (${row.reasonText ?? row.reason ?? 'no raw message'}); nothing to publish again`,
      };
    }
    for (let attempt = 0; attempt < REPROCESS_ID_ATTEMPTS; attempt++) {
      const newId = reprocessedId(receivedId, (await this.quarantine.reprocessCount(receivedId)) + 1);
      if (!(await this.quarantine.reprocess(row, newId))) continue;
      // The copy sits in the mailbox's outbox: its next poll publishes it; make that poll now.
      await this.states.ensure([], [row.mailboxId]);
      this.log.log(`${receivedId} re-processed as ${newId}`);
      return {
        receivedId, status: 'reprocessed', newReceivedId: newId,
        message: `${receivedId} is published again as ${newId} at the mailbox's next poll; the CRM decides afresh`,
      };
    }
    throw new Error(`${receivedId}: no free re-process id after ${REPROCESS_ID_ATTEMPTS} attempts (re-processed concurrently?)`);
  }

  private async view(r: ReceivedMessageEntity): Promise<QuarantinedMessageV1> {
    const headers = r.rawKey ? await this.quarantine.headers(r.rawKey) : {};
    return {
      receivedId: r.receivedId, mailboxId: r.mailboxId, protocol: r.protocol,
      ...(r.reason ? { reason: r.reason } : {}), ...(r.reasonText ? { reasonText: r.reasonText } : {}),
      quarantinedAt: (r.verdictAt ?? r.receivedAt).toISOString(), receivedAt: r.receivedAt.toISOString(),
      ...headers, reprocessable: !!r.rawKey,
    };
  }
}
