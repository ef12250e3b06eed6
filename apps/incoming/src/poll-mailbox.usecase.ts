import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { MailReceivedV1 } from '@mailrouter/contracts';
import { backoffDelay } from '@mailrouter/domain';
import { MailboxSession, RemoteMessage, serverMessage } from '@mailrouter/mail-adapters';
import { RouterMetrics } from '@mailrouter/messaging';
import { MailboxStateEntity } from './entities/mailbox-state.entity';
import { ReceivedMessageEntity, TOO_LARGE_REASON } from './entities/received-message.entity';
import { InboundEventsRepository } from './inbound-events.repository';
import { MailServerRepository } from './mail-server.repository';
import { MailboxStateRepository } from './mailbox-state.repository';
import { ReceivedMessageRepository } from './received-message.repository';
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
  ) {}

  /** `signal` aborts the poll (its connection dropped) when this replica lost the mailbox's lease. */
  async execute(served: ServedMailbox, state: MailboxStateEntity, signal?: AbortSignal): Promise<PollResult | undefined> {
    const id = served.mailbox.id;
    const started = Date.now();
    try {
      const result = await this.poll(served, state, signal);
      this.metrics?.observePoll(id, started);
      const again = result.more || (await this.received.awaitingSettlement(id, 1)).length > 0;
      await this.states.recordSuccess(id, again ? 0 : served.mailbox.pollIntervalSeconds * 1000);
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
      // The server's own words ("Authentication failed.") when it gave any.
      const message = serverMessage(err);
      this.metrics?.observePoll(id, started, message);
      const interval = served.mailbox.pollIntervalSeconds * 1000;
      const failures = await this.states.recordFailure(id, message, (n) => Math.max(interval, backoffDelay(this.settings.failureBackoff, n)));
      this.log.warn(`mailbox ${id}: poll failed (${failures} in a row): ${message}`);
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
      const settled = await this.settle(served, session);
      await session.close();
      await this.received.markSettled(settled);
      return { published: republished + found.published, settled: settled.length, more: found.more };
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
    for (const row of rows) await this.publish(served, row);
    return rows.length;
  }

  private async publish(served: ServedMailbox, row: Pick<ReceivedMessageEntity, 'receivedId' | 'protocol' | 'rawKey' | 'size' | 'sha256' | 'receivedAt'>): Promise<void> {
    const m = served.mailbox;
    const event: MailReceivedV1 = {
      receivedId: row.receivedId,
      mailbox: { id: m.id, kind: m.kind, address: m.address, ...(m.crmId ? { crmId: m.crmId } : {}) },
      deploymentId: m.deploymentId,
      configVersion: served.configVersion,
      protocol: row.protocol,
      raw: { bucket: this.events.bucket, key: row.rawKey ?? row.receivedId, size: row.size, sha256: row.sha256 ?? '' },
      receivedAt: row.receivedAt.toISOString(),
    };
    await this.events.publishReceived(event);
    await this.received.markPublished(row.receivedId);
  }

  private async fetchNew(served: ServedMailbox, session: MailboxSession, state: MailboxStateEntity): Promise<{ published: number; more: boolean }> {
    const id = served.mailbox.id;
    const cursor = session.cursor;
    // IMAP: a new (or first-seen) UIDVALIDITY means UIDs say nothing: take the unseen messages.
    const rescan = !!cursor && state.uidvalidity !== cursor.uidValidity;
    const listed = await session.list(!cursor || rescan ? (cursor ? { unseen: true } : { all: true }) : { afterUid: state.lastUid });
    const known = await this.received.existing(listed.map((m) => `${id}:${m.key}`));
    let published = 0;
    let handled = 0;
    let more = false;
    for (const msg of listed) {
      if (!known.has(`${id}:${msg.key}`)) {
        if (handled >= this.settings.maxMessagesPerPoll) {
          more = true;
          break;
        }
        handled++;
        if (await this.ingest(served, session, msg)) published++;
      }
      if (cursor && !rescan && msg.uid !== undefined) await this.states.advanceLastUid(id, msg.uid);
    }
    if (cursor && rescan && !more) {
      const highest = Math.max(cursor.highestUid, ...listed.map((m) => m.uid ?? 0));
      await this.states.setCursor(id, cursor.uidValidity, highest);
      if (state.uidvalidity !== null) this.log.warn(`mailbox ${id}: UIDVALIDITY changed ${state.uidvalidity} → ${cursor.uidValidity}; rescanned unseen mail`);
    }
    return { published, more };
  }

  /** Returns true when a mailReceived was published for the message. */
  private async ingest(served: ServedMailbox, session: MailboxSession, msg: RemoteMessage): Promise<boolean> {
    const mailboxId = served.mailbox.id;
    const receivedId = `${mailboxId}:${msg.key}`;
    const base = {
      receivedId, mailboxId, protocol: session.protocol,
      uidvalidity: session.cursor?.uidValidity ?? null, uid: msg.uid ?? null, uidl: msg.uidl ?? null,
    };
    const fetched = await session.fetch(msg);
    if (fetched.status === 'gone') return false;
    if (fetched.status === 'too-large') {
      await this.received.insert({
        ...base, rawKey: null, size: fetched.size, sha256: null, state: 'settled', outcome: 'quarantined', reason: TOO_LARGE_REASON,
        reasonText: `${fetched.size} bytes is over MAX_MESSAGE_BYTES (${this.settings.maxMessageBytes}); left on the server`, settledAt: new Date(),
      });
      this.log.warn(`mailbox ${mailboxId}: ${receivedId} is too large (${fetched.size} bytes); not fetched`);
      return false;
    }
    const sha256 = createHash('sha256').update(fetched.raw).digest('hex');
    if (session.cursor && (await this.sameMessageMoved(receivedId, sha256, session.cursor.uidValidity, msg.uid!, mailboxId))) return false;
    const stored = await this.events.storeRaw(receivedId, fetched.raw);
    await this.received.insert({ ...base, rawKey: stored.key, size: stored.size, sha256: stored.sha256, state: 'published' });
    await this.publish(served, { receivedId, protocol: session.protocol, rawKey: stored.key, size: stored.size, sha256, receivedAt: new Date() });
    return true;
  }

  /**
   * After a UIDVALIDITY change the same message has a new UID. If these exact bytes were
   * received before, nothing is published again; a message still waiting to be settled is
   * pointed at its new UID so that its verdict can be applied.
   */
  private async sameMessageMoved(receivedId: string, sha256: string, uidValidity: number, uid: number, mailboxId: string): Promise<boolean> {
    const earlier = await this.received.findUnderOtherUidValidity(mailboxId, sha256, uidValidity);
    if (!earlier) return false;
    if (earlier.state !== 'settled') await this.received.relocate(earlier.receivedId, uidValidity, uid);
    this.log.log(`mailbox ${mailboxId}: ${receivedId} is ${earlier.receivedId} under a new UIDVALIDITY; not published again`);
    return true;
  }

  /** Applies verdicts on the server: tracked/ignored ⇒ seen (IMAP) or deleted (deleteAfterProcessing); quarantined ⇒ untouched. */
  private async settle(served: ServedMailbox, session: MailboxSession): Promise<{ receivedId: string; settleError?: string }[]> {
    const rows = await this.received.awaitingSettlement(served.mailbox.id, this.settings.maxMessagesPerPoll);
    const done: { receivedId: string; settleError?: string }[] = [];
    for (const row of rows) {
      if (row.outcome === 'quarantined') {
        done.push({ receivedId: row.receivedId });
        continue;
      }
      if (session.cursor && row.uidvalidity !== session.cursor.uidValidity) {
        done.push({ receivedId: row.receivedId, settleError: `UIDVALIDITY changed (${row.uidvalidity} → ${session.cursor.uidValidity}); the message could not be found to settle` });
        continue;
      }
      const ref = { uid: row.uid ?? undefined, uidl: row.uidl ?? undefined };
      if (served.mailbox.deleteAfterProcessing) await session.delete(ref);
      else await session.markSeen(ref);
      done.push({ receivedId: row.receivedId });
    }
    return done;
  }
}
