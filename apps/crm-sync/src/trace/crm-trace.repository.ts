import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In, SelectQueryBuilder } from 'typeorm';
import type { TraceRequestV1 } from '@mailrouter/contracts';
import { EmailEntity, EmailPartyEntity } from '../builtin-crm/entities/email.entity';
import { ReceivedMailEntity } from '../builtin-crm/entities/trail.entity';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Reads the trail (crm.received_mail) and the CRM's email for the trace API; writes nothing. */
@Injectable()
export class CrmTraceRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  received(q: TraceRequestV1): Promise<ReceivedMailEntity[]> {
    const qb = this.dataSource.manager.createQueryBuilder(ReceivedMailEntity, 'r');
    if (q.messageId) qb.andWhere('r.message_id = :messageId', { messageId: q.messageId });
    if (q.subject) qb.andWhere("r.subject ILIKE :subject ESCAPE '\\'", { subject: likePattern(q.subject) });
    if (q.mailboxId) qb.andWhere('r.mailbox_id = :mailboxId', { mailboxId: q.mailboxId });
    if (q.since) qb.andWhere('r.decided_at >= :since', { since: q.since });
    if (q.until) qb.andWhere('r.decided_at <= :until', { until: q.until });
    if (q.address) {
      qb.andWhere(
        `(r.from_address = :address OR r.parties @> CAST(:addressParty AS jsonb)
          OR EXISTS (SELECT 1 FROM ${this.table(EmailPartyEntity)} p WHERE p.email_id = r.activity_id AND p.address = :address))`,
        { address: q.address, addressParty: JSON.stringify([{ address: q.address }]) },
      );
    }
    return qb.orderBy('r.decided_at', 'DESC').take(q.limit).getMany();
  }

  outgoing(q: TraceRequestV1): Promise<EmailEntity[]> {
    if (q.mailboxId && !(q.ownerId && UUID.test(q.ownerId))) return Promise.resolve([]);
    const qb = this.dataSource.manager.createQueryBuilder(EmailEntity, 'e').where('e.direction = :direction', { direction: 'outgoing' });
    if (q.ownerId && UUID.test(q.ownerId)) qb.andWhere('e.owner_id = :ownerId', { ownerId: q.ownerId });
    if (q.messageId) qb.andWhere('e.message_id = :messageId', { messageId: q.messageId });
    if (q.subject) qb.andWhere("e.subject ILIKE :subject ESCAPE '\\'", { subject: likePattern(q.subject) });
    if (q.since) qb.andWhere('e.created_at >= :since', { since: q.since });
    if (q.until) qb.andWhere('e.created_at <= :until', { until: q.until });
    if (q.address) this.withParty(qb, q.address);
    return qb.orderBy('e.created_at', 'DESC').take(q.limit).getMany();
  }

  /** Parties of these emails, in header order. */
  async parties(emailIds: string[]): Promise<EmailPartyEntity[]> {
    const ids = emailIds.filter((id) => UUID.test(id));
    if (ids.length === 0) return [];
    return this.dataSource.manager.find(EmailPartyEntity, { where: { emailId: In(ids) }, order: { position: 'ASC' } });
  }

  private withParty(qb: SelectQueryBuilder<EmailEntity>, address: string): void {
    qb.andWhere(`EXISTS (SELECT 1 FROM ${this.table(EmailPartyEntity)} p WHERE p.email_id = e.id AND p.address = :address)`, { address });
  }

  private table(entity: typeof EmailPartyEntity): string {
    const meta = this.dataSource.getMetadata(entity);
    return meta.schema ? `"${meta.schema}"."${meta.tableName}"` : `"${meta.tableName}"`;
  }
}
