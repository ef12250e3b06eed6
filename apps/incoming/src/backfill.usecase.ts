import { Injectable, Logger } from '@nestjs/common';
import type { BackfillReplyV1, BackfillRequestV1 } from '@mailrouter/contracts';
import type { MailboxSession, RemoteMessage } from '@mailrouter/mail-adapters';
import { BackfillRequestEntity } from './entities/quarantine-backfill.entity';
import { BackfillRequestRepository } from './backfill-request.repository';
import { MailboxStateRepository } from './mailbox-state.repository';
import { ServedMailbox, ServedMailboxes } from './served-mailboxes.service';

/** How often a request waiting for its poll looks at the request's row. */
const BACKFILL_WAIT_STEP_MS = 200;

/** Publishes the listed messages not received before (as a poll does); says how many and whether some are left. */
export type IngestListed = (listed: RemoteMessage[]) => Promise<{ published: number; more: boolean }>;

/**
 * Backfill: a mailbox's messages since a date, seen ones included (mail read in another client
 * before the router served the mailbox), taken by the mailbox's own poll so that the lease holder
 * alone touches it. Messages already received are skipped by key; copies tracked under another
 * key are kept to one activity by the CRM's Message-ID duplicate check.
 */
@Injectable()
export class BackfillUseCase {
  private readonly log = new Logger(BackfillUseCase.name);

  constructor(
    private readonly requests: BackfillRequestRepository,
    private readonly states: MailboxStateRepository,
    private readonly served: ServedMailboxes,
  ) {}

  async request(req: BackfillRequestV1): Promise<BackfillReplyV1> {
    const { mailboxId } = req;
    const served = this.served.get(mailboxId);
    if (!served) {
      return { mailboxId, status: 'not-served', message: `mailbox ${mailboxId} is not served by incoming (not published, disabled, or without an incoming profile)` };
    }
    const protocol = served.endpoint.protocol;
    if (protocol !== 'imap' && protocol !== 'pop3') {
      return {
        mailboxId, status: 'not-supported',
        message: `backfill is not supported yet for ${protocol.toUpperCase()} mailboxes (IMAP and POP3 only); mailbox ${mailboxId} is read over ${protocol.toUpperCase()}`,
      };
    }
    const request = await this.requests.request(mailboxId, new Date(req.since));
    await this.states.ensure([], [mailboxId]);
    const deadline = Date.now() + req.waitSeconds * 1000;
    let now: BackfillRequestEntity | null = request;
    while (now?.state === 'pending' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, BACKFILL_WAIT_STEP_MS));
      now = await this.requests.find(request.id);
    }
    return reply(now ?? request);
  }

  /** The poll's hook: works on the mailbox's pending request, if any, with the poll's session. Returns how many it published. */
  async runPending(served: ServedMailbox, session: MailboxSession, ingest: IngestListed): Promise<number> {
    const request = await this.requests.pending(served.mailbox.id);
    if (!request) return 0;
    const protocol = session.protocol;
    if (protocol !== 'imap' && protocol !== 'pop3') {
      await this.requests.fail(request.id, `backfill is not supported yet for ${protocol.toUpperCase()} mailboxes`);
      return 0;
    }
    const listed = protocol === 'imap' ? await this.imapSince(served, session, request.since) : await session.list({ all: true });
    const { published, more } = await ingest(listed);
    await this.requests.progress(request.id, listed.length, published, !more);
    this.log.log(`mailbox ${served.mailbox.id}: backfill since ${request.since.toISOString()}: ${listed.length} found, ${published} new${more ? ', more at the next poll' : ''}`);
    return published;
  }

  /** The INBOX messages since `since`, seen or not, as the session lists them (with their sizes). */
  private async imapSince(served: ServedMailbox, session: MailboxSession, since: Date): Promise<RemoteMessage[]> {
    const { uidValidity, uids } = await this.requests.imapUidsSince(served.endpoint, since);
    if (session.cursor && uidValidity !== session.cursor.uidValidity) {
      throw new Error(`INBOX UIDVALIDITY changed during the backfill (${session.cursor.uidValidity} → ${uidValidity}); retried at the next poll`);
    }
    if (uids.length === 0) return [];
    const wanted = new Set(uids);
    return (await session.list({ all: true })).filter((m) => m.uid !== undefined && wanted.has(m.uid));
  }
}

function reply(r: BackfillRequestEntity): BackfillReplyV1 {
  const base = { mailboxId: r.mailboxId, requestId: r.id, since: r.since.toISOString() };
  if (r.state === 'done') {
    return { ...base, status: 'done', found: r.found ?? 0, fresh: r.fresh, message: `${r.found ?? 0} message(s) since ${base.since}, ${r.fresh} not received before and published` };
  }
  if (r.state === 'failed') return { ...base, status: 'failed', message: r.error ?? 'failed' };
  return { ...base, status: 'queued', message: `backfill since ${base.since} queued for the mailbox's next poll${r.fresh ? ` (${r.fresh} published so far)` : ''}` };
}
