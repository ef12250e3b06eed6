import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { MailReceivedV1 } from '@mailrouter/contracts';
import { backoffDelay } from '@mailrouter/domain';
import { isExpiredSyncState, MailboxSession, MessageRef, pop3Key, RemoteMessage, serverMessage } from '@mailrouter/mail-adapters';
import { RouterMetrics } from '@mailrouter/messaging';
import { errorMessage, isRouterInfrastructureError } from '@mailrouter/platform';
import { BackfillUseCase } from './backfill.usecase';
import { MailboxStateEntity } from './entities/mailbox-state.entity';
import { ReceivedMessageEntity, TOO_LARGE_REASON } from './entities/received-message.entity';
import { InboundEventsRepository } from './inbound-events.repository';
import { MailServerRepository } from './mail-server.repository';
import { MailboxStateRepository } from './mailbox-state.repository';
import { NewReceived, ReceivedMessageRepository, SettledRow } from './received-message.repository';
import type { ServedMailbox } from './served-mailboxes.service';
import { INCOMING_SETTINGS, IncomingSettings } from './settings';

export interface PollResult {
  published: number;
  settled: number;
  /** More work is waiting (capped by MAX_MESSAGES_PER_POLL): poll again at once. */
  more: boolean;
}

/**
 * One poll of one mailbox, with its lease held: publish what was never acknowledged, find new
 * messages (store raw → record → publish → advance the cursor), settle verdicts on the server,
 * log out, then record success or failure (with backoff) in the mailbox's state.
 */
@Injectable()
export class PollMailboxUseCase {
  private readonly log = new Logger(PollMailboxUseCase.name);

  constructor(
    @Inject(INCOMING_SETTINGS) private readonly settings: IncomingSettings,
    private readonly states: MailboxStateRepository,
    private readonly received: ReceivedMessageRepository,
    private readonly events: InboundEventsRepository,
    private readonly servers: MailServerRepository,
    @Optional() private readonly metrics?: RouterMetrics,
    /** Absent when the app does not register backfills: polls then take only new mail. */
    @Optional() private readonly backfills?: BackfillUseCase,
  ) {}

  /** `signal` aborts the poll (its connection dropped) when this replica lost the mailbox's lease. */
  async execute(served: ServedMailbox, state: MailboxStateEntity, signal?: AbortSignal): Promise<PollResult | undefined> {
    const id = served.mailbox.id;
    const started = Date.now();
    try {
      const result = await this.poll(served, state, signal);
      this.metrics?.observePoll(id, started);
      // Verdicts that arrived meanwhile make the mailbox due anyway (MailboxStateRepository.due).
      await this.states.recordSuccess(id, result.more ? 0 : served.mailbox.pollIntervalSeconds * 1000);
      if (result.published || result.settled) {
        this.log.log(`mailbox ${id}: ${result.published} published, ${result.settled} settled`);
      }
      return result;
    } catch (err) {
      if (signal?.aborted) {
        // The mailbox is another replica's now: its schedule is not this poll's to change.
        this.log.warn(`mailbox ${id}: poll stopped (lease lost): ${serverMessage(err)}`);
        return undefined;
      }
      if (isRouterInfrastructureError(err)) {
        // NATS or PostgreSQL is away, not the mail server: nothing to hold against the mailbox
        // (no failure counted towards disabling it, no failure backoff); poll again at its interval.
        this.log.warn(`mailbox ${id}: poll cut short by the router's own outage (${errorMessage(err)}); again in ${served.mailbox.pollIntervalSeconds} s`);
        await this.states.postpone(id, served.mailbox.pollIntervalSeconds * 1000)
          .catch((e) => this.log.warn(`mailbox ${id}: next poll not recorded: ${errorMessage(e)}`));
        return undefined;
      }
      // The server's own words ("Authentication failed.") when it gave any.
      const message = serverMessage(err);
      this.metrics?.observePoll(id, started, message);
      const interval = served.mailbox.pollIntervalSeconds * 1000;
      const { failures, disabledNow } = await this.states.recordFailure(
        id, message, (n) => Math.max(interval, backoffDelay(this.settings.failureBackoff, n)), this.settings.disableAfterFailures,
      );
      if (disabledNow) {
        // The original's server-side sync rule: after so many failures in a row, stop until an operator re-enables it.
        this.log.error(`mailbox ${id} (${served.mailbox.address}) disabled after ${failures} failed polls in a row: ${message}; ` +
          'test it and enable it again (POST /api/v1/mailboxes/{id}/enable)');
      } else {
        this.log.warn(`mailbox ${id}: poll failed (${failures} in a row): ${message}`);
      }
      return undefined;
    }
  }

  private async poll(served: ServedMailbox, state: MailboxStateEntity, signal?: AbortSignal): Promise<PollResult> {
    const republished = await this.publishPending(served);
    signal?.throwIfAborted();
    const session = await this.servers.open(served.endpoint);
    const drop = () => session.abort();
    signal?.addEventListener('abort', drop, { once: true });
    try {
      signal?.throwIfAborted();
      const found = await this.fetchNew(served, session, state);
      const backfilled = this.backfills ? await this.backfills.runPending(served, session, (listed) => this.ingestListed(served, session, listed)) : 0;
      const settled = await this.settle(served, session);
      await session.close();
      await this.received.markSettled(settled);
      return { published: republished + found.published + backfilled, settled: settled.length, more: found.more };
    } catch (err) {
      session.abort();
      throw err;
    } finally {
      signal?.removeEventListener('abort', drop);
    }
  }

  /** The outbox: rows never acknowledged (a crash between insert and publish), or stale without a verdict. */
  private async publishPending(served: ServedMailbox): Promise<number> {
    const rows = await this.received.pendingPublish(served.mailbox.id, this.settings.republishAfterSeconds, this.settings.maxMessagesPerPoll);
    return this.publishAll(served, rows);
  }

  /**
   * Publishes every row with all publishes in flight at once, then records the acknowledged ones
   * in one statement. Throws (after recording those acknowledged) when any publish failed: the
   * others stay in the outbox.
   */
  private async publishAll(served: ServedMailbox, rows: PublishableRow[]): Promise<number> {
    if (rows.length === 0) return 0;
    const results = await Promise.allSettled(rows.map((row) => this.events.publishReceived(this.receivedEvent(served, row))));
    const acked = rows.filter((_, i) => results[i].status === 'fulfilled').map((r) => r.receivedId);
    await this.received.markManyPublished(acked);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    return acked.length;
  }

  private receivedEvent(served: ServedMailbox, row: PublishableRow): MailReceivedV1 {
    const m = served.mailbox;
    return {
      receivedId: row.receivedId,
      mailbox: { id: m.id, kind: m.kind, address: m.address, ...(m.crmId ? { crmId: m.crmId } : {}) },
      deploymentId: m.deploymentId,
      configVersion: served.configVersion,
      protocol: row.protocol,
      raw: { bucket: this.events.bucket, key: row.rawKey ?? row.receivedId, size: row.size, sha256: row.sha256 ?? '' },
      receivedAt: row.receivedAt.toISOString(),
    };
  }

  /**
   * New messages in batches (one FETCH per batch, raws stored and publishes in flight together).
   * The IMAP cursor only moves past a batch once every message of it is stored and acknowledged
   * (or recorded as too large, or gone).
   */
  private async fetchNew(served: ServedMailbox, session: MailboxSession, state: MailboxStateEntity): Promise<{ published: number; more: boolean }> {
    if (session.usesSyncState) return this.fetchNewBySyncState(served, session, state);
    const id = served.mailbox.id;
    const cursor = session.cursor;
    // IMAP: a new (or first-seen) UIDVALIDITY means UIDs say nothing: take the unseen messages.
    const rescan = !!cursor && state.uidvalidity !== cursor.uidValidity;
    let listed = await session.list(!cursor || rescan ? (cursor ? { unseen: true } : { all: true }) : { afterUid: state.lastUid });
    if (session.protocol === 'pop3') listed = await this.pop3Keys(id, listed);
    const { todo, end } = await this.notYetReceived(id, listed);
    const more = end < listed.length;
    const advance = async (upTo: number) => {
      const uids = listed.slice(0, upTo).map((m) => m.uid ?? 0);
      if (cursor && !rescan && uids.length) await this.states.advanceLastUid(id, Math.max(...uids));
    };
    let published = 0;
    for (const batch of this.batches(todo)) {
      published += await this.ingestBatch(served, session, batch.map((t) => t.msg));
      await advance(batch[batch.length - 1].index + 1);
    }
    await advance(end);
    if (cursor && rescan && !more) {
      const highest = Math.max(cursor.highestUid, ...listed.map((m) => m.uid ?? 0));
      await this.states.setCursor(id, cursor.uidValidity, highest);
      if (state.uidvalidity !== null) this.log.warn(`mailbox ${id}: UIDVALIDITY changed ${state.uidvalidity} → ${cursor.uidValidity}; rescanned unseen mail`);
    }
    return { published, more };
  }

  /**
   * EWS/Graph: the unread messages since the saved sync state. The new state is saved only when
   * every listed message is stored and acknowledged; until then the old state lists them again
   * and their keys (already received) skip them.
   */
  private async fetchNewBySyncState(served: ServedMailbox, session: MailboxSession, state: MailboxStateEntity): Promise<{ published: number; more: boolean }> {
    const id = served.mailbox.id;
    let listed: RemoteMessage[];
    try {
      listed = await session.list({ sync: state.syncState });
    } catch (err) {
      if (!state.syncState || !isExpiredSyncState(err)) throw err;
      this.log.warn(`mailbox ${id}: the server no longer accepts the saved sync state (${serverMessage(err)}); syncing again from the start`);
      listed = await session.list({ sync: null });
    }
    const { todo, end } = await this.notYetReceived(id, listed);
    let published = 0;
    for (const batch of this.batches(todo)) published += await this.ingestBatch(served, session, batch.map((t) => t.msg));
    const more = end < listed.length;
    if (!more && session.syncState && session.syncState !== state.syncState) await this.states.setSyncState(id, session.syncState);
    return { published, more };
  }

  /**
   * POP3 lists the whole maildrop by UIDL. A UIDL whose message left the server (the router
   * deleted it, or a listing no longer showed it) and is listed again names a new message: some
   * servers reuse UIDLs. It gets the next key (`pop3:<uidl>#<n>`) and is received as new;
   * otherwise the UIDL's latest key, which is known and skipped.
   */
  private async pop3Keys(mailboxId: string, listed: RemoteMessage[]): Promise<RemoteMessage[]> {
    const uidls = listed.map((m) => m.uidl ?? '');
    await this.received.markPop3LeftServer(mailboxId, uidls);
    const generations = await this.received.pop3Generations(mailboxId, uidls);
    return listed.map((m) => {
      const g = m.uidl === undefined ? undefined : generations.get(m.uidl);
      if (!g) return m;
      if (!g.latestLeftServer) return { ...m, key: g.latestReceivedId.slice(mailboxId.length + 1) };
      this.log.log(`mailbox ${mailboxId}: UIDL ${m.uidl} is back on the server after its message left: a new message`);
      return { ...m, key: `${pop3Key(m.uidl!)}#${g.generations + 1}` };
    });
  }

  /** Backfill: the listed messages never received before, ingested as new ones (the cursor left as it is). */
  private async ingestListed(served: ServedMailbox, session: MailboxSession, listed: RemoteMessage[]): Promise<{ published: number; more: boolean }> {
    const { todo, end } = await this.notYetReceived(served.mailbox.id, listed);
    let published = 0;
    for (const batch of this.batches(todo)) published += await this.ingestBatch(served, session, batch.map((t) => t.msg));
    return { published, more: end < listed.length };
  }

  /** The listed messages never received before, at most MAX_MESSAGES_PER_POLL; `end`: how far the list was taken. */
  private async notYetReceived(mailboxId: string, listed: RemoteMessage[]): Promise<{ todo: { msg: RemoteMessage; index: number }[]; end: number }> {
    const known = await this.received.existing(listed.map((m) => `${mailboxId}:${m.key}`));
    const todo: { msg: RemoteMessage; index: number }[] = [];
    for (let i = 0; i < listed.length; i++) {
      if (known.has(`${mailboxId}:${listed[i].key}`)) continue;
      if (todo.length >= this.settings.maxMessagesPerPoll) return { todo, end: i };
      todo.push({ msg: listed[i], index: i });
    }
    return { todo, end: listed.length };
  }

  /** Consecutive batches of at most FETCH_BATCH_MESSAGES messages and FETCH_BATCH_BYTES (a larger message alone). */
  private batches<T extends { msg: RemoteMessage }>(todo: T[]): T[][] {
    const { messages, bytes } = this.settings.fetchBatch;
    const out: T[][] = [];
    let current: T[] = [];
    let size = 0;
    for (const t of todo) {
      const msgSize = t.msg.size <= this.settings.maxMessageBytes ? t.msg.size : 0;
      if (current.length && (current.length >= messages || size + msgSize > bytes)) {
        out.push(current);
        current = [];
        size = 0;
      }
      current.push(t);
      size += msgSize;
    }
    if (current.length) out.push(current);
    return out;
  }

  /** Fetch → hash → store raw → record (one INSERT) → publish (all in flight). Returns how many were published. */
  private async ingestBatch(served: ServedMailbox, session: MailboxSession, msgs: RemoteMessage[]): Promise<number> {
    const mailboxId = served.mailbox.id;
    const fetched = await session.fetchMany(msgs);
    const rows: NewReceived[] = [];
    let found: { base: NewReceivedBase; raw: Buffer; sha256: string; uid?: number }[] = [];
    msgs.forEach((msg, i) => {
      const f = fetched[i];
      const base: NewReceivedBase = {
        receivedId: `${mailboxId}:${msg.key}`, mailboxId, protocol: session.protocol,
        uidvalidity: session.cursor?.uidValidity ?? null, uid: msg.uid ?? null, uidl: msg.uidl ?? null, itemId: msg.itemId ?? null,
      };
      if (f.status === 'too-large') {
        rows.push({
          ...base, rawKey: null, size: f.size, sha256: null, state: 'settled', outcome: 'quarantined', reason: TOO_LARGE_REASON,
          reasonText: `${f.size} bytes is over MAX_MESSAGE_BYTES (${this.settings.maxMessageBytes}); left on the server`, settledAt: new Date(),
        });
        this.log.warn(`mailbox ${mailboxId}: ${base.receivedId} is too large (${f.size} bytes); not fetched`);
      } else if (f.status === 'ok') {
        found.push({ base, raw: f.raw, sha256: createHash('sha256').update(f.raw).digest('hex'), uid: msg.uid });
      }
    });
    if (session.cursor && found.length) {
      const moved = await this.sameMessagesMoved(mailboxId, found, session.cursor.uidValidity);
      found = found.filter((f) => !moved.has(f.base.receivedId));
    }
    const stored = await Promise.all(found.map((f) => this.events.storeRaw(f.base.receivedId, f.raw)));
    const receivedAt = new Date();
    const toPublish: PublishableRow[] = found.map((f, i) => {
      rows.push({ ...f.base, rawKey: stored[i].key, size: stored[i].size, sha256: stored[i].sha256, state: 'published' });
      return { receivedId: f.base.receivedId, protocol: session.protocol, rawKey: stored[i].key, size: stored[i].size, sha256: f.sha256, receivedAt };
    });
    await this.received.insertMany(rows);
    return this.publishAll(served, toPublish);
  }

  /**
   * The same message under a new UID: after a UIDVALIDITY change, or moved out of the INBOX and
   * back (copied and expunged) by a client or a rule. If these exact bytes were received before
   * (a copy with another UID: the server adds nothing to the bytes), nothing is published again;
   * a message still waiting to be settled is pointed at its new UID so that its verdict can be
   * applied. Returns the receivedIds found so.
   */
  private async sameMessagesMoved(mailboxId: string, found: { base: NewReceivedBase; sha256: string; uid?: number }[], uidValidity: number): Promise<Set<string>> {
    const earlier = await this.received.findEarlierImapCopies(mailboxId, found.map((f) => f.sha256), found.map((f) => f.base.receivedId));
    const moved = new Set<string>();
    for (const f of found) {
      const e = earlier.get(f.sha256);
      if (!e) continue;
      if (e.state !== 'settled') await this.received.relocate(e.receivedId, uidValidity, f.uid!);
      const where = e.uidvalidity === uidValidity ? 'under a new UID' : 'under a new UIDVALIDITY';
      this.log.log(`mailbox ${mailboxId}: ${f.base.receivedId} is ${e.receivedId} ${where}; not published again`);
      moved.add(f.base.receivedId);
    }
    return moved;
  }

  /**
   * Applies verdicts on the server: tracked/ignored ⇒ seen (IMAP, EWS, Graph), moved to the
   * profile's processed folder when it names one, or deleted (deleteAfterProcessing); quarantined ⇒ untouched. One STORE (or STORE + EXPUNGE) over the UID set of the whole poll.
   */
  private async settle(served: ServedMailbox, session: MailboxSession): Promise<SettledRow[]> {
    const rows = await this.received.awaitingSettlement(served.mailbox.id, this.settings.maxMessagesPerPoll);
    const done: SettledRow[] = [];
    const refs: MessageRef[] = [];
    const deleting = served.mailbox.deleteAfterProcessing;
    for (const row of rows) {
      if (row.outcome === 'quarantined') {
        done.push({ receivedId: row.receivedId });
        continue;
      }
      if (row.leftServerAt) {
        // Gone already; its UIDL may name another message now, which must not be touched.
        done.push({ receivedId: row.receivedId, settleError: 'the message had left the server before its verdict could be applied' });
        continue;
      }
      if (session.cursor && row.uidvalidity !== session.cursor.uidValidity) {
        done.push({ receivedId: row.receivedId, settleError: `UIDVALIDITY changed (${row.uidvalidity} → ${session.cursor.uidValidity}); the message could not be found to settle` });
        continue;
      }
      refs.push({ uid: row.uid ?? undefined, uidl: row.uidl ?? undefined, itemId: row.itemId ?? undefined });
      done.push({ receivedId: row.receivedId, deleted: deleting });
    }
    const folder = served.endpoint.processedFolder;
    if (deleting) await session.deleteMany(refs);
    else if (folder && session.moveMany) await session.moveMany(refs, folder);
    else await session.markSeenMany(refs);
    return done;
  }
}

type PublishableRow = Pick<ReceivedMessageEntity, 'receivedId' | 'protocol' | 'rawKey' | 'size' | 'sha256' | 'receivedAt'>;
type NewReceivedBase = Pick<NewReceived, 'receivedId' | 'mailboxId' | 'protocol' | 'uidvalidity' | 'uid' | 'uidl' | 'itemId'>;
