import { Injectable } from '@nestjs/common';
import { In } from 'typeorm';
import { TransactionScope, isUuid } from '../transaction-scope.repository';
import { AttachmentEntity, EmailEntity, EmailPartyEntity } from './entities/email.entity';
import { quotedTable } from './records.repository';

export interface NewParty {
  role: 'from' | 'to' | 'cc' | 'bcc';
  address: string;
  name?: string | null;
  recordType?: string | null;
  recordId?: string | null;
}

export interface NewAttachment {
  filename: string;
  contentType: string;
  size: number;
  content: Buffer | null;
}

export type NewEmail = Omit<
  EmailEntity,
  'id' | 'createdAt' | 'parties' | 'attachments' | 'deliveryAttempts' | 'claimCount' | 'leaseUntil' | 'sentAt' | 'failureReason'
> & { parties: NewParty[]; attachments: NewAttachment[] };

export interface EmailFilter {
  direction?: string;
  status?: string;
  messageId?: string;
  ownerId?: string;
  limit: number;
}

/** Email activities, their parties and attachments. */
@Injectable()
export class EmailsRepository {
  constructor(private readonly scope: TransactionScope) {}

  /** Inserts an email with its parties and attachments (call inside TransactionScope.run). */
  async insert(email: NewEmail): Promise<EmailEntity> {
    return this.scope.run(async () => {
      const m = this.scope.manager();
      const { parties, attachments, ...row } = email;
      // One statement for the email (INSERT … RETURNING: id, created_at and the defaults) and
      // its parties (from unnest, in header order), then one multi-row INSERT for the
      // attachments when there are any. Every tracked message makes one: typeorm's two inserts
      // cost a round trip and their query building more CPU than PostgreSQL's work (F9).
      const values = row as Record<string, unknown>;
      const given = this.emailColumns().filter((c) => values[c.property] !== undefined);
      const rows: Record<string, unknown>[] = await m.query(this.insertSql(given.map((c) => c.column)), [
        ...given.map((c) => values[c.property]),
        parties.map((p) => p.role), parties.map((p) => p.address), parties.map((p) => p.name ?? null),
        parties.map((p) => p.recordType ?? null), parties.map((p) => p.recordId ?? null),
      ]);
      const saved = Object.assign(new EmailEntity(), rows[0]);
      if (attachments.length) await m.insert(AttachmentEntity, attachments.map((a) => ({ emailId: saved.id, ...a })));
      return saved;
    });
  }

  private columns?: { column: string; property: string }[];
  private readonly insertQueries = new Map<string, string>();

  /** The email table's columns (database name, property name). */
  private emailColumns(): { column: string; property: string }[] {
    this.columns ??= this.scope.manager().getRepository(EmailEntity).metadata.columns
      .map((c) => ({ column: c.databaseName, property: c.propertyName }));
    return this.columns;
  }

  /** INSERT of the email with these columns (the others take their defaults) and of its parties ($n+1…$n+5: arrays). */
  private insertSql(columns: string[]): string {
    const key = columns.join(',');
    const cached = this.insertQueries.get(key);
    if (cached) return cached;
    const m = this.scope.manager();
    const email = quotedTable(m.getRepository(EmailEntity).metadata.tablePath);
    const party = quotedTable(m.getRepository(EmailPartyEntity).metadata.tablePath);
    const returning = this.emailColumns().map((c) => `"${c.column}" AS "${c.property}"`).join(', ');
    const n = columns.length;
    const sql = `WITH e AS (
        INSERT INTO ${email} (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})
        RETURNING ${returning}),
      p AS (
        INSERT INTO ${party} (email_id, role, address, name, record_type, record_id, position)
        SELECT e.id, x.role, x.address, x.name, x.record_type, x.record_id::uuid, x.n - 1
        FROM e CROSS JOIN unnest($${n + 1}::text[], $${n + 2}::text[], $${n + 3}::text[], $${n + 4}::text[], $${n + 5}::text[])
          WITH ORDINALITY AS x(role, address, name, record_type, record_id, n))
      SELECT * FROM e`;
    this.insertQueries.set(key, sql);
    return sql;
  }

  async find(id: string): Promise<EmailEntity | null> {
    if (!isUuid(id)) return null;
    return this.scope.manager().findOne(EmailEntity, { where: { id } });
  }

  /** The email with its parties (header order) and attachments (content not loaded). */
  async findDetailed(id: string): Promise<{ email: EmailEntity; parties: EmailPartyEntity[]; attachments: AttachmentEntity[] } | null> {
    const email = await this.find(id);
    if (!email) return null;
    const m = this.scope.manager();
    const [parties, attachments] = await Promise.all([
      m.find(EmailPartyEntity, { where: { emailId: id }, order: { position: 'ASC' } }),
      m.createQueryBuilder(AttachmentEntity, 'a')
        .select(['a.id', 'a.emailId', 'a.filename', 'a.contentType', 'a.size'])
        .addSelect('a.content IS NOT NULL', 'stored')
        .where('a.email_id = :id', { id })
        .getRawAndEntities(),
    ]);
    const stored = new Map(attachments.raw.map((r: { a_id: string; stored: boolean }) => [r.a_id, r.stored]));
    return {
      email, parties,
      attachments: attachments.entities.map((a) => Object.assign(a, { content: stored.get(a.id) ? Buffer.alloc(0) : null })),
    };
  }

  async attachmentContent(emailId: string, attachmentId: string): Promise<AttachmentEntity | null> {
    if (!isUuid(emailId) || !isUuid(attachmentId)) return null;
    return this.scope.manager().findOne(AttachmentEntity, { where: { id: attachmentId, emailId } });
  }

  async partiesOf(emailIds: string[]): Promise<EmailPartyEntity[]> {
    if (!emailIds.length) return [];
    return this.scope.manager().find(EmailPartyEntity, { where: { emailId: In(emailIds) }, order: { position: 'ASC' } });
  }

  list(filter: EmailFilter): Promise<EmailEntity[]> {
    const qb = this.scope.manager().createQueryBuilder(EmailEntity, 'e');
    if (filter.direction) qb.andWhere('e.direction = :direction', { direction: filter.direction });
    if (filter.status) qb.andWhere('e.status = :status', { status: filter.status });
    if (filter.messageId) qb.andWhere('e.message_id = :messageId', { messageId: filter.messageId });
    if (filter.ownerId) qb.andWhere('e.owner_id = :ownerId', { ownerId: filter.ownerId });
    return qb.orderBy('e.created_at', 'DESC').addOrderBy('e.id', 'DESC').take(filter.limit).getMany();
  }

  findByOwnerAndReceivedId(ownerType: string, ownerId: string, receivedId: string): Promise<EmailEntity | null> {
    return this.scope.manager().findOne(EmailEntity, { where: { ownerType, ownerId, receivedId } });
  }

  /** The first email that carried this tracking token (the one that was sent). */
  findByTrackingToken(token: string): Promise<EmailEntity | null> {
    return this.scope.manager().createQueryBuilder(EmailEntity, 'e')
      .where('upper(e.tracking_token) = upper(:token)', { token })
      .orderBy(`(e.direction = 'outgoing')`, 'DESC').addOrderBy('e.created_at', 'ASC')
      .getOne();
  }

  /** The newest email among these Message-IDs (In-Reply-To first, then References, newest last). */
  async findByMessageIds(ids: string[]): Promise<EmailEntity | null> {
    if (!ids.length) return null;
    const rows = await this.scope.manager().find(EmailEntity, { where: { messageId: In(ids) }, order: { createdAt: 'ASC' } });
    for (const id of ids) {
      const hit = rows.find((r) => r.messageId === id);
      if (hit) return hit;
    }
    return null;
  }

  /** The newest emails of a conversation subject, with their parties' addresses (smart matching). */
  async byConversationSubject(conversationSubject: string, limit: number): Promise<{ email: EmailEntity; addresses: Set<string> }[]> {
    const emails = await this.scope.manager().find(EmailEntity, {
      where: { conversationSubject }, order: { createdAt: 'DESC' }, take: limit,
    });
    const parties = await this.partiesOf(emails.map((e) => e.id));
    return emails.map((email) => ({ email, addresses: new Set(parties.filter((p) => p.emailId === email.id).map((p) => p.address)) }));
  }

  /** The outgoing email a bounce reports on: by its id, else by its Message-ID. */
  async findOutgoing(emailId: string | undefined, messageId: string | undefined): Promise<EmailEntity | null> {
    const m = this.scope.manager();
    if (emailId && isUuid(emailId)) {
      const byId = await m.findOne(EmailEntity, { where: { id: emailId, direction: 'outgoing' } });
      if (byId) return byId;
    }
    return messageId ? m.findOne(EmailEntity, { where: { messageId, direction: 'outgoing' } }) : null;
  }

  /** A bounce: the email was not delivered after all (also once it was marked sent). */
  async markBounced(id: string, reason: string): Promise<boolean> {
    const res = await this.scope.manager().createQueryBuilder().update(EmailEntity)
      .set({ status: 'failed', failureReason: reason, leaseUntil: null })
      .where(`id = :id AND direction = 'outgoing' AND status IN ('sending', 'sent', 'failed') AND failure_reason IS DISTINCT FROM :reason`, { id, reason })
      .execute();
    return (res.affected ?? 0) > 0;
  }

  async nextTrackingCounter(): Promise<number> {
    const rows: { n: string }[] = await this.scope.manager().query(`SELECT nextval('crm.tracking_token_counter') AS n`);
    return Number(rows[0].n);
  }

  /** draft → pending-send with its token; false when the email is not a draft (any more). */
  async queueForSending(id: string, trackingToken: string | null): Promise<boolean> {
    const res = await this.scope.manager().createQueryBuilder().update(EmailEntity)
      .set({ status: 'pending-send', trackingToken })
      .where(`id = :id AND direction = 'outgoing' AND status = 'draft'`, { id })
      .execute();
    return (res.affected ?? 0) > 0;
  }

  /**
   * Claims up to `limit` outgoing emails: pending ones, and those whose claimer's lease ran out.
   * SKIP LOCKED lets replicas claim side by side without taking the same email.
   */
  async claim(limit: number, leaseMs: number): Promise<EmailEntity[]> {
    const rows: Record<string, unknown>[] = await this.scope.manager().query(
      `UPDATE crm.email SET status = 'sending', claim_count = claim_count + 1,
              lease_until = now() + ($2::int * interval '1 millisecond')
        WHERE id IN (
          SELECT id FROM crm.email
           WHERE direction = 'outgoing'
             AND (status = 'pending-send' OR (status = 'sending' AND lease_until < now()))
           ORDER BY created_at LIMIT $1
           FOR UPDATE SKIP LOCKED)
        RETURNING id`,
      [limit, leaseMs],
    );
    const flat = (Array.isArray(rows[0]) ? rows[0] : rows) as { id: string }[];
    if (!flat.length) return [];
    return this.scope.manager().find(EmailEntity, { where: { id: In(flat.map((r) => r.id)) }, order: { createdAt: 'ASC' } });
  }

  /** Holds the claims (still `sending`, not claimed again since) for `leaseMs` from now; one statement. */
  async extendClaims(claims: { emailId: string; claim: number }[], leaseMs: number): Promise<void> {
    if (!claims.length) return;
    await this.scope.manager().query(
      `UPDATE crm.email e SET lease_until = now() + ($3::int * interval '1 millisecond')
         FROM unnest($1::uuid[], $2::int[]) AS c(id, claim)
        WHERE e.id = c.id AND e.claim_count = c.claim AND e.status = 'sending'`,
      [claims.map((c) => c.emailId), claims.map((c) => c.claim), leaseMs],
    );
  }

  /**
   * Sent: final. Idempotent; a failed email may still turn out sent (a late result). Many results
   * in one statement (the send results consumed together); for each, whether it changed the email
   * (false: sent already, or no such outgoing email).
   */
  async markManySent(sent: { id: string; messageId: string; deliveryAttempts: number; sentAt: Date }[]): Promise<boolean[]> {
    if (sent.length === 0) return [];
    const m = this.scope.manager();
    const table = quotedTable(m.getRepository(EmailEntity).metadata.tablePath);
    const valid = sent.filter((s) => isUuid(s.id));
    // typeorm answers an UPDATE … RETURNING with [rows, affected].
    const [rows] = valid.length ? (await m.query(
      `UPDATE ${table} e SET status = 'sent', message_id = v.message_id, delivery_attempts = v.attempts, sent_at = v.sent_at,
         lease_until = NULL, failure_reason = NULL
       FROM unnest($1::uuid[], $2::text[], $3::int[], $4::timestamptz[]) AS v(id, message_id, attempts, sent_at)
       WHERE e.id = v.id AND e.direction = 'outgoing' AND e.status <> 'sent'
       RETURNING e.id`,
      [valid.map((s) => s.id), valid.map((s) => s.messageId), valid.map((s) => s.deliveryAttempts), valid.map((s) => s.sentAt)],
    )) as [{ id: string }[], number] : [[]];
    const changed = new Set(rows.map((r) => r.id));
    return sent.map((s) => changed.has(s.id));
  }

  /** Failed, unless it was sent already: a sent email never moves back. */
  async markFailed(id: string, reason: string, deliveryAttempts: number, messageId?: string): Promise<boolean> {
    const res = await this.scope.manager().createQueryBuilder().update(EmailEntity)
      .set({ status: 'failed', failureReason: reason, deliveryAttempts, leaseUntil: null, ...(messageId ? { messageId } : {}) })
      .where(`id = :id AND direction = 'outgoing' AND status NOT IN ('sent', 'failed')`, { id })
      .execute();
    return (res.affected ?? 0) > 0;
  }
}
