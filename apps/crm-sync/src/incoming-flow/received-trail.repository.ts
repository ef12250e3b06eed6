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

const TRAIL_ROWS = 'received-trail';

/** A trail row as written (jsonb columns as JSON text). */
interface TrailRow {
  receivedId: string; mailboxId: string; messageId: string | null; subject: string | null; fromAddress: string | null;
  outcome: string; reason: string; reasonText: string; activityId: string | null; decidedAt: Date;
  ownerType: string | null; ownerId: string | null; correlationRule: string | null; parties: string | null; authentication: string | null;
  automaticKind: string | null; automaticReason: string | null;
}

function trailRow(verdict: MailVerdictV1, facts: TrailFacts): TrailRow {
  const json = (value: unknown) => (value == null ? null : JSON.stringify(value));
  return {
    receivedId: verdict.receivedId, mailboxId: verdict.mailboxId, messageId: facts.messageId ?? null, subject: facts.subject ?? null,
    fromAddress: facts.fromAddress ?? null, outcome: verdict.outcome, reason: verdict.reason, reasonText: verdict.reasonText,
    activityId: verdict.activityId ?? null, decidedAt: new Date(verdict.decidedAt), ownerType: facts.owner?.type ?? null,
    ownerId: facts.owner?.id ?? null, correlationRule: facts.correlationRule ?? null, parties: json(facts.parties),
    authentication: json(facts.authentication), automaticKind: facts.automatic?.kind ?? null, automaticReason: facts.automatic?.reason ?? null,
  };
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

  /**
   * Inserts the row. Inside a transaction the row is written with the others of that transaction
   * in one statement just before it commits (a group of decisions writes its trail at once):
   * `pendingFrom` counts them for the loop guard meanwhile. A row for a receivedId decided and
   * committed meanwhile by another delivery of the same message (a republish racing the first
   * delivery) is not written again: the first decision stays the message's record (its only other
   * write, the activity, was found by receivedId and not made twice), and the group it was in
   * commits rather than failing as a whole.
   */
  async record(verdict: MailVerdictV1, facts: TrailFacts): Promise<void> {
    const row = trailRow(verdict, facts);
    // The same message decided twice in one transaction (two deliveries of it in one group): the
    // second fails as it would on the written row — alone, so that the group commits without it —
    // and its retry finds the first's verdict.
    if (this.scope.deferred<TrailRow>(TRAIL_ROWS).some((r) => r.receivedId === row.receivedId)) {
      throw Object.assign(new Error(`${row.receivedId} is already decided in this transaction`), { code: '23505' });
    }
    if (this.scope.defer(TRAIL_ROWS, row, (rows: TrailRow[]) => this.insertMany(rows))) return;
    await this.insertMany([row]);
  }

  /** Trail rows of this transaction not yet written, for `ownerId` from `sender` (the loop guard counts them). */
  pendingFrom(ownerId: string, sender: string): number {
    return this.scope.deferred<TrailRow>(TRAIL_ROWS).filter((r) => r.ownerId === ownerId && r.fromAddress === sender).length;
  }

  private async insertMany(rows: TrailRow[]): Promise<void> {
    const col = <K extends keyof TrailRow>(k: K) => rows.map((r) => r[k]);
    await this.scope.manager().query(this.statements().insert, [
      col('receivedId'), col('mailboxId'), col('messageId'), col('subject'), col('fromAddress'), col('outcome'), col('reason'), col('reasonText'),
      col('activityId'), col('decidedAt'), col('ownerType'), col('ownerId'), col('correlationRule'), col('parties'), col('authentication'),
      col('automaticKind'), col('automaticReason'),
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
        SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
          $9::uuid[], $10::timestamptz[], $11::text[], $12::uuid[], $13::text[], $14::jsonb[], $15::jsonb[], $16::text[], $17::text[])
        ON CONFLICT (received_id) DO NOTHING`,
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
