import { Injectable } from '@nestjs/common';
import { MailVerdictV1 } from '@mailrouter/contracts';
import type { CorrelationRule, MailInspection, RecordRef, ResolvedParty } from '@mailrouter/domain';
import { TransactionScope } from '../transaction-scope.repository';
import { ReceivedMailEntity } from '../builtin-crm/entities/trail.entity';
import { quotedTable } from '../builtin-crm/records.repository';

export interface TrailFacts {
  messageId?: string;
  subject?: string;
  fromAddress?: string;
  owner?: RecordRef;
  correlationRule?: CorrelationRule;
  parties?: ResolvedParty[];
  authentication?: MailInspection['authentication'];
  automatic?: MailInspection['automatic'];
}

/** The trail: one row per received message saying why it was (not) tracked. */
@Injectable()
export class ReceivedTrailRepository {
  constructor(private readonly scope: TransactionScope) {}

  private sql?: { verdict: string; verdicts: string; insert: string };

  find(receivedId: string): Promise<ReceivedMailEntity | null> {
    return this.scope.manager().findOne(ReceivedMailEntity, { where: { receivedId } });
  }

  /**
   * The verdict already decided for a received message, or null. Asked once per received
   * message: plain SQL for the five columns a verdict has, not a typeorm findOne (whose query
   * building showed in crm-sync's profile, docs/performance.md F9).
   */
  async findVerdict(receivedId: string): Promise<MailVerdictV1 | null> {
    const rows: VerdictRow[] = await this.scope.manager().query(this.statements().verdict, [receivedId]);
    return rows.length ? verdictOf(rows[0]) : null;
  }

  /** findVerdict for many at once (one statement); the verdicts in the order asked, null where none. */
  async findVerdicts(receivedIds: string[]): Promise<(MailVerdictV1 | null)[]> {
    if (receivedIds.length === 0) return [];
    const rows: VerdictRow[] = await this.scope.manager().query(this.statements().verdicts, [receivedIds]);
    const byId = new Map(rows.map((r) => [r.receivedId, verdictOf(r)]));
    return receivedIds.map((id) => byId.get(id) ?? null);
  }

  /** Inserts the row (a second row for the same receivedId is a unique violation). One per received message: plain SQL, as findVerdict. */
  async record(verdict: MailVerdictV1, facts: TrailFacts): Promise<void> {
    const json = (value: unknown) => (value == null ? null : JSON.stringify(value));
    await this.scope.manager().query(this.statements().insert, [
      verdict.receivedId, verdict.mailboxId, facts.messageId ?? null, facts.subject ?? null, facts.fromAddress ?? null,
      verdict.outcome, verdict.reason, verdict.reasonText, verdict.activityId ?? null, new Date(verdict.decidedAt),
      facts.owner?.type ?? null, facts.owner?.id ?? null, facts.correlationRule ?? null,
      json(facts.parties), json(facts.authentication), facts.automatic?.kind ?? null, facts.automatic?.reason ?? null,
    ]);
  }

  private statements(): { verdict: string; verdicts: string; insert: string } {
    if (this.sql) return this.sql;
    const table = quotedTable(this.scope.manager().getRepository(ReceivedMailEntity).metadata.tablePath);
    this.sql = {
      verdict: `SELECT received_id AS "receivedId", mailbox_id AS "mailboxId", outcome, reason, reason_text AS "reasonText",
        activity_id AS "activityId", decided_at AS "decidedAt" FROM ${table} WHERE received_id = $1`,
      verdicts: `SELECT received_id AS "receivedId", mailbox_id AS "mailboxId", outcome, reason, reason_text AS "reasonText",
        activity_id AS "activityId", decided_at AS "decidedAt" FROM ${table} WHERE received_id = ANY($1::varchar[])`,
      insert: `INSERT INTO ${table} (received_id, mailbox_id, message_id, subject, from_address, outcome, reason, reason_text,
        activity_id, decided_at, owner_type, owner_id, correlation_rule, parties, authentication, automatic_kind, automatic_reason)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14::jsonb, $15::jsonb, $16, $17)`,
    };
    return this.sql;
  }

  list(filter: { mailboxId?: string; messageId?: string; limit: number }): Promise<ReceivedMailEntity[]> {
    const qb = this.scope.manager().createQueryBuilder(ReceivedMailEntity, 'r');
    if (filter.mailboxId) qb.andWhere('r.mailbox_id = :mailboxId', { mailboxId: filter.mailboxId });
    if (filter.messageId) qb.andWhere('r.message_id = :messageId', { messageId: filter.messageId });
    return qb.orderBy('r.decided_at', 'DESC').take(filter.limit).getMany();
  }
}

/** The trail columns a verdict is made of. */
type VerdictRow = Pick<ReceivedMailEntity, 'receivedId' | 'mailboxId' | 'outcome' | 'reason' | 'reasonText' | 'activityId' | 'decidedAt'>;

export function verdictOf(row: VerdictRow): MailVerdictV1 {
  return {
    receivedId: row.receivedId,
    mailboxId: row.mailboxId,
    outcome: row.outcome as MailVerdictV1['outcome'],
    reason: row.reason as MailVerdictV1['reason'],
    reasonText: row.reasonText,
    ...(row.activityId ? { activityId: row.activityId } : {}),
    decidedAt: row.decidedAt.toISOString(),
  };
}
