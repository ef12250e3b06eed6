import { Injectable } from '@nestjs/common';
import { MoreThanOrEqual } from 'typeorm';
import { TransactionScope, isUuid } from '../transaction-scope.repository';
import { AlertEntity, QueueItemEntity } from './entities/tracking-state.entity';
import { EmailEntity } from './entities/email.entity';
import { ReceivedMailEntity } from './entities/trail.entity';
import { quotedTable } from './records.repository';
import { ReceivedTrailRepository } from '../incoming-flow/received-trail.repository';

export interface QueueItemRow {
  id: string;
  queueId: string;
  emailId: string;
  subject: string;
  createdAt: Date;
}

/** What earlier messages say about a received one (TrackingStateRepository.priorOf). */
export interface PriorFacts {
  /** This owner's activity with the same Message-ID (a duplicate). */
  duplicateId: string | null;
  /** The oldest activity of another owner with the same Message-ID. */
  otherOwners: { id: string; ownerType: string; ownerId: string } | null;
  /** This owner's activity already made from this receivedId (a redelivery). */
  againId: string | null;
  /** Received messages from the sender decided for this owner since `since` (the trail). */
  earlierFromSender: number;
}

export interface PriorQuery {
  ownerType: string;
  ownerId: string;
  messageId?: string;
  receivedId: string;
  sender?: string;
  since: Date;
}

/** An activity made in the current transaction. */
export interface MadeActivity {
  id: string;
  ownerType: string;
  ownerId: string;
  messageId?: string | null;
  receivedId: string;
}

interface PriorRow {
  duplicate_id: string | null;
  other_owners: PriorFacts['otherOwners'];
  again_id: string | null;
  earlier: number;
}

const READ_AHEAD = 'prior facts read ahead';
const MADE_HERE = 'activities made';

/** The same message, owner and sender (the loop window read ahead starts earlier by the group's run time at most: a message at its edge counts a moment longer). */
function sameQuestion(a: PriorQuery, b: PriorQuery): boolean {
  return a.ownerType === b.ownerType && a.ownerId === b.ownerId && (a.messageId ?? null) === (b.messageId ?? null)
    && (a.sender ?? null) === (b.sender ?? null) && Math.abs(a.since.getTime() - b.since.getTime()) < 60_000;
}

/** What the tracking rules remember between messages: loop counts, alerts, queue items. */
@Injectable()
export class TrackingStateRepository {
  constructor(private readonly scope: TransactionScope, private readonly trail: ReceivedTrailRepository) {}

  /**
   * In one round trip what the checks of a received message ask of earlier ones: this owner's
   * copy of the Message-ID (any one), the oldest copy of another owner, this owner's activity
   * for the receivedId, and the trail's count of messages from the sender to this owner since
   * `since` (the loop guard's window). Inside a transaction that read them ahead (`readAhead`),
   * from those rows and the activities the transaction made since, without a round trip.
   */
  async priorOf(q: PriorQuery): Promise<PriorFacts> {
    // The trail rows of this transaction's earlier decisions are written at its commit: counted in here.
    const pending = q.sender ? this.trail.pendingFrom(q.ownerId, q.sender) : 0;
    const ahead = this.scope.local<Map<string, PriorRow & { q: PriorQuery }>>(READ_AHEAD, () => new Map())?.get(q.receivedId);
    if (ahead && sameQuestion(ahead.q, q)) {
      const made = this.madeHere();
      const mine = (e: MadeActivity) => e.ownerType === q.ownerType && e.ownerId === q.ownerId;
      const sameId = (e: MadeActivity) => !!q.messageId && e.messageId === q.messageId;
      const other = made.find((e) => sameId(e) && !mine(e));
      return {
        duplicateId: ahead.duplicate_id ?? made.find((e) => mine(e) && sameId(e))?.id ?? null,
        // The one read ahead is older than any made since.
        otherOwners: ahead.other_owners ?? (other ? { id: other.id, ownerType: other.ownerType, ownerId: other.ownerId } : null),
        againId: ahead.again_id ?? made.find((e) => mine(e) && e.receivedId === q.receivedId)?.id ?? null,
        earlierFromSender: Number(ahead.earlier) + pending,
      };
    }
    const [r] = await this.priorRows([q]);
    return { duplicateId: r.duplicate_id, otherOwners: r.other_owners, againId: r.again_id, earlierFromSender: Number(r.earlier) + pending };
  }

  /**
   * Inside a transaction, before a group of decisions: priorOf of all of them in one round trip
   * (docs/performance.md F10). Each decision then adds what the group's earlier ones changed: the
   * activities they made (`noteMade`) and their trail rows (still unwritten, counted by the trail).
   */
  async readAhead(qs: PriorQuery[]): Promise<void> {
    const ahead = this.scope.local<Map<string, PriorRow & { q: PriorQuery }>>(READ_AHEAD, () => new Map());
    if (!ahead || !qs.length) return;
    const rows = await this.priorRows(qs);
    qs.forEach((q, i) => ahead.set(q.receivedId, { ...rows[i], q }));
  }

  /** An activity this transaction made, for the read-ahead answers of the decisions after it. */
  noteMade(made: MadeActivity): void {
    this.madeHere().push(made);
  }

  private madeHere(): MadeActivity[] {
    return this.scope.local<MadeActivity[]>(MADE_HERE, () => []) ?? [];
  }

  private async priorRows(qs: PriorQuery[]): Promise<PriorRow[]> {
    const m = this.scope.manager();
    const email = quotedTable(m.getRepository(EmailEntity).metadata.tablePath);
    const trail = quotedTable(m.getRepository(ReceivedMailEntity).metadata.tablePath);
    const col = <K extends keyof PriorQuery>(k: K) => qs.map((q) => q[k] ?? null);
    const rows: (PriorRow & { i: number })[] = await m.query(
      `SELECT q.i,
         (SELECT id FROM ${email} WHERE owner_type = q.owner_type AND owner_id = q.owner_id AND message_id = q.message_id LIMIT 1) AS duplicate_id,
         (SELECT json_build_object('id', id, 'ownerType', owner_type, 'ownerId', owner_id) FROM ${email}
           WHERE message_id = q.message_id AND NOT (owner_type = q.owner_type AND owner_id = q.owner_id) ORDER BY created_at ASC LIMIT 1) AS other_owners,
         (SELECT id FROM ${email} WHERE owner_type = q.owner_type AND owner_id = q.owner_id AND received_id = q.received_id LIMIT 1) AS again_id,
         (SELECT count(*) FROM ${trail} WHERE owner_id = q.owner_id AND from_address = q.sender AND decided_at >= q.since)::int AS earlier
       FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::timestamptz[]) WITH ORDINALITY
         AS q(owner_type, owner_id, message_id, received_id, sender, since, i)
       ORDER BY q.i`,
      [col('ownerType'), col('ownerId'), col('messageId'), col('receivedId'), col('sender'), col('since')],
    );
    return rows;
  }

  /** Raises an alert unless one of this kind for this owner and sender was raised since `since`; true when raised. */
  async raiseOnce(alert: Pick<AlertEntity, 'kind' | 'ownerType' | 'ownerId' | 'sender' | 'message'>, since: Date): Promise<boolean> {
    const m = this.scope.manager();
    const open = await m.count(AlertEntity, {
      where: { kind: alert.kind, ownerId: alert.ownerId, sender: alert.sender ?? undefined, createdAt: MoreThanOrEqual(since) },
    });
    if (open) return false;
    await m.insert(AlertEntity, alert);
    return true;
  }

  listAlerts(limit: number): Promise<AlertEntity[]> {
    return this.scope.manager().find(AlertEntity, { order: { createdAt: 'DESC' }, take: limit });
  }

  /** One queue item per queue and email (a redelivery adds none). */
  async addQueueItem(queueId: string, emailId: string): Promise<void> {
    await this.scope.manager().createQueryBuilder().insert().into(QueueItemEntity)
      .values({ queueId, emailId }).orIgnore().execute();
  }

  async queueItems(queueId: string, limit: number): Promise<QueueItemRow[]> {
    if (!isUuid(queueId)) return [];
    const rows: { id: string; queue_id: string; email_id: string; subject: string; created_at: Date }[] = await this.scope.manager()
      .createQueryBuilder(QueueItemEntity, 'q')
      .innerJoin(EmailEntity, 'e', 'e.id = q.email_id')
      .select(['q.id AS id', 'q.queue_id AS queue_id', 'q.email_id AS email_id', 'e.subject AS subject', 'q.created_at AS created_at'])
      .where('q.queue_id = :queueId', { queueId })
      .orderBy('q.created_at', 'DESC')
      .limit(limit)
      .getRawMany();
    return rows.map((r) => ({ id: r.id, queueId: r.queue_id, emailId: r.email_id, subject: r.subject, createdAt: r.created_at }));
  }
}
