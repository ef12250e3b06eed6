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

/** What the tracking rules remember between messages: loop counts, alerts, queue items. */
@Injectable()
export class TrackingStateRepository {
  constructor(private readonly scope: TransactionScope, private readonly trail: ReceivedTrailRepository) {}

  /**
   * In one round trip what the checks of a received message ask of earlier ones: this owner's
   * copy of the Message-ID (any one), the oldest copy of another owner, this owner's activity
   * for the receivedId, and the trail's count of messages from the sender to this owner since
   * `since` (the loop guard's window).
   */
  async priorOf(q: { ownerType: string; ownerId: string; messageId?: string; receivedId: string; sender?: string; since: Date }): Promise<PriorFacts> {
    const m = this.scope.manager();
    const email = quotedTable(m.getRepository(EmailEntity).metadata.tablePath);
    const trail = quotedTable(m.getRepository(ReceivedMailEntity).metadata.tablePath);
    const rows: { duplicate_id: string | null; other_owners: PriorFacts['otherOwners']; again_id: string | null; earlier: number }[] = await m.query(
      `SELECT
         (SELECT id FROM ${email} WHERE owner_type = $1 AND owner_id = $2 AND message_id = $3 LIMIT 1) AS duplicate_id,
         (SELECT json_build_object('id', id, 'ownerType', owner_type, 'ownerId', owner_id) FROM ${email}
           WHERE message_id = $3 AND NOT (owner_type = $1 AND owner_id = $2) ORDER BY created_at ASC LIMIT 1) AS other_owners,
         (SELECT id FROM ${email} WHERE owner_type = $1 AND owner_id = $2 AND received_id = $4 LIMIT 1) AS again_id,
         (SELECT count(*) FROM ${trail} WHERE owner_id = $2 AND from_address = $5 AND decided_at >= $6)::int AS earlier`,
      [q.ownerType, q.ownerId, q.messageId ?? null, q.receivedId, q.sender ?? null, q.since],
    );
    const r = rows[0];
    // The trail rows of this transaction's earlier decisions are written at its commit: counted in here.
    const pending = q.sender ? this.trail.pendingFrom(q.ownerId, q.sender) : 0;
    return { duplicateId: r.duplicate_id, otherOwners: r.other_owners, againId: r.again_id, earlierFromSender: Number(r.earlier) + pending };
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
