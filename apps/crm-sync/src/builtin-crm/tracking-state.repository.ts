import { Injectable } from '@nestjs/common';
import { MoreThanOrEqual } from 'typeorm';
import { TransactionScope, isUuid } from '../transaction-scope.repository';
import { AlertEntity, QueueItemEntity } from './entities/tracking-state.entity';
import { EmailEntity } from './entities/email.entity';
import { ReceivedMailEntity } from './entities/trail.entity';

export interface QueueItemRow {
  id: string;
  queueId: string;
  emailId: string;
  subject: string;
  createdAt: Date;
}

/** What the tracking rules remember between messages: loop counts, alerts, queue items. */
@Injectable()
export class TrackingStateRepository {
  constructor(private readonly scope: TransactionScope) {}

  /** Received messages from `sender` decided for this owner since `since` (the trail). */
  countFromSender(ownerId: string, sender: string, since: Date): Promise<number> {
    return this.scope.manager().count(ReceivedMailEntity, {
      where: { ownerId, fromAddress: sender, decidedAt: MoreThanOrEqual(since) },
    });
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
