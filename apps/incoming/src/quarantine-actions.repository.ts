import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { RawMailStore } from '@mailrouter/messaging';
import { QuarantineAction, QuarantineActionEntity } from './entities/quarantine-backfill.entity';
import { ReceivedMessageEntity } from './entities/received-message.entity';
import { qualifiedTable } from './mailbox-state.repository';

/** The quarantine_action word for a message attached by hand to a chosen CRM record. */
export const ATTACHED_ACTION: QuarantineAction = 'attached';

/** How much of a stored message is read for its Message-ID and Subject. */
const HEADER_BYTES = 64 * 1024;

/** `<receivedId>#r<n>`: the n-th re-processing of a received message (n counts from 1). */
export function reprocessedId(receivedId: string, n: number): string {
  return `${originalId(receivedId)}#r${n}`;
}

/** A re-processed message's original id (re-processing `x#r1` again gives `x#r2`, not `x#r1#r1`). */
export function originalId(receivedId: string): string {
  return receivedId.replace(/#r\d+$/, '');
}

/**
 * Received messages the CRM quarantined, with what administrators did about them (re-processed,
 * discarded). Consumed events incoming could never handle are QuarantineRepository's.
 */
@Injectable()
export class QuarantineActionsRepository {
  constructor(
    @InjectRepository(ReceivedMessageEntity) private readonly received: Repository<ReceivedMessageEntity>,
    @InjectRepository(QuarantineActionEntity) private readonly actions: Repository<QuarantineActionEntity>,
    private readonly raws: RawMailStore,
  ) {}

  /** Received messages with outcome quarantined that nobody re-processed or discarded, newest first. */
  async listQuarantined(filter: { mailboxId?: string; limit: number }): Promise<ReceivedMessageEntity[]> {
    const qb = this.received.createQueryBuilder('m')
      .where('m.outcome = :outcome', { outcome: 'quarantined' })
      .andWhere(`NOT EXISTS (SELECT 1 FROM ${qualifiedTable(this.actions)} a WHERE a.received_id = m.received_id)`);
    if (filter.mailboxId) qb.andWhere('m.mailbox_id = :mailboxId', { mailboxId: filter.mailboxId });
    return qb.orderBy('COALESCE(m.verdict_at, m.received_at)', 'DESC').take(filter.limit).getMany();
  }

  find(receivedId: string): Promise<ReceivedMessageEntity | null> {
    return this.received.findOne({ where: { receivedId } });
  }

  async actionOf(receivedId: string): Promise<QuarantineActionEntity | null> {
    return this.actions.findOne({ where: { receivedId }, order: { actedAt: 'DESC' } });
  }

  /** How many times the message (or its original) was published again already. */
  async reprocessCount(receivedId: string): Promise<number> {
    const prefix = `${originalId(receivedId)}#r`;
    const [row] = await this.received.query(
      `SELECT count(*)::int AS n FROM ${qualifiedTable(this.received)} WHERE left(received_id, $2) = $1`,
      [prefix, prefix.length],
    );
    return (row as { n: number }).n;
  }

  /**
   * In one transaction: the copy `newId` of `old` enters the outbox (never published, so the
   * mailbox's next poll publishes it with the raw message already stored), the action is
   * recorded and the old row is settled with a word saying so. False when `newId` exists already.
   */
  async reprocess(old: ReceivedMessageEntity, newId: string): Promise<boolean> {
    return this.received.manager.transaction(async (m) => {
      const inserted = await m.createQueryBuilder().insert().into(ReceivedMessageEntity).values({
        receivedId: newId, mailboxId: old.mailboxId, protocol: old.protocol, uidvalidity: old.uidvalidity, uid: old.uid, uidl: old.uidl,
        itemId: old.itemId, rawKey: old.rawKey, size: old.size, sha256: old.sha256, state: 'published',
      }).orIgnore().execute();
      // ON CONFLICT DO NOTHING returns no row when the copy exists already (a concurrent re-process).
      if (!(inserted.raw as unknown[]).length) return false;
      await this.act(m.getRepository(QuarantineActionEntity), m.getRepository(ReceivedMessageEntity), old.receivedId, 'reprocessed', newId,
        `re-processed by an administrator as ${newId}`);
      return true;
    });
  }

  /** Settles the message as discarded (it stays, for the trace). */
  async discard(receivedId: string): Promise<void> {
    await this.received.manager.transaction((m) => this.act(m.getRepository(QuarantineActionEntity), m.getRepository(ReceivedMessageEntity), receivedId,
      'discarded', null, 'discarded by an administrator'));
  }

  private async act(
    actions: Repository<QuarantineActionEntity>, received: Repository<ReceivedMessageEntity>, receivedId: string, action: QuarantineAction,
    newReceivedId: string | null, words: string,
  ): Promise<void> {
    await actions.insert({ receivedId, action, newReceivedId });
    // A quarantined message needs nothing done on the server: it is settled here, with why.
    await received.query(
      `UPDATE ${qualifiedTable(received)} SET state = 'settled', settled_at = COALESCE(settled_at, now()),
              settle_error = $2 || ' at ' || to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), updated_at = now()
        WHERE received_id = $1`,
      [receivedId, words],
    );
  }

  /** Whether an administrator attached this message by hand already. */
  async wasAttached(receivedId: string): Promise<boolean> {
    const [row] = await this.actions.query(
      `SELECT 1 FROM ${qualifiedTable(this.actions)} WHERE received_id = $1 AND action = $2 LIMIT 1`, [receivedId, ATTACHED_ACTION],
    );
    return !!row;
  }

  /**
   * In one transaction: the action is recorded and the quarantined row becomes tracked with the
   * activity and who attached it, awaiting settlement (state `verdict`), so that the mailbox's next
   * poll settles it on the server as it does tracked mail (seen, moved or deleted). False when the
   * row is no longer quarantined (attached, re-processed or discarded meanwhile).
   */
  async settleAttached(receivedId: string, activityId: string, words: string): Promise<boolean> {
    return this.received.manager.transaction(async (m) => {
      const [, affected] = await m.query(
        `UPDATE ${qualifiedTable(this.received)} SET outcome = 'tracked', activity_id = $2, reason_text = $3, state = 'verdict',
                verdict_at = now(), settled_at = NULL, settle_error = NULL, updated_at = now()
          WHERE received_id = $1 AND outcome = 'quarantined'
            AND NOT EXISTS (SELECT 1 FROM ${qualifiedTable(this.actions)} a WHERE a.received_id = $1)`,
        [receivedId, activityId, words],
      ) as [unknown, number];
      if (!affected) return false;
      await m.query(`INSERT INTO ${qualifiedTable(this.actions)} (received_id, action, new_received_id) VALUES ($1, $2, NULL)`, [receivedId, ATTACHED_ACTION]);
      return true;
    });
  }

  /** Message-ID and Subject from the stored raw message, when the store still holds it. */
  async headers(rawKey: string): Promise<{ messageId?: string; subject?: string }> {
    const raw = await this.raws.get(rawKey).catch(() => null);
    if (!raw) return {};
    const text = Buffer.from(raw.buffer, raw.byteOffset, Math.min(raw.byteLength, HEADER_BYTES)).toString('latin1');
    const block = text.split(/\r?\n\r?\n/, 1)[0].replace(/\r?\n[ \t]+/g, ' ');
    const header = (name: string) => new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(block)?.[1]?.trim() || undefined;
    return { messageId: header('Message-ID'), subject: header('Subject') };
  }
}
