import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, IsNull, LessThan, Not, Repository } from 'typeorm';
import type { MailVerdictV1 } from '@mailrouter/contracts';
import { ReceivedMessageEntity } from './entities/received-message.entity';
import { qualifiedTable } from './mailbox-state.repository';

export type NewReceived = Pick<
  ReceivedMessageEntity,
  'receivedId' | 'mailboxId' | 'protocol' | 'uidvalidity' | 'uid' | 'uidl' | 'rawKey' | 'size' | 'sha256' | 'state'
> & Partial<Pick<ReceivedMessageEntity, 'itemId' | 'outcome' | 'reason' | 'reasonText' | 'settledAt'>>;

export interface SettledRow {
  receivedId: string;
  settleError?: string;
  /** The router deleted it on the server. */
  deleted?: boolean;
}

export interface Pop3Generation {
  /** Messages received under this UIDL so far (more than one when the server reused it). */
  generations: number;
  latestReceivedId: string;
  latestLeftServer: boolean;
}

export interface MessageCounts {
  seen: number;
  tracked: number;
  ignored: number;
  quarantined: number;
  awaitingVerdict: number;
}

/** What the service knows of each message it found: the outbox and the settle queue. */
@Injectable()
export class ReceivedMessageRepository {
  constructor(@InjectRepository(ReceivedMessageEntity) private readonly repo: Repository<ReceivedMessageEntity>) {}

  get tableName(): string {
    return qualifiedTable(this.repo);
  }

  async existing(ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows: { received_id: string }[] = await this.repo.query(`SELECT received_id FROM ${this.tableName} WHERE received_id = ANY($1::varchar[])`, [ids]);
    return new Set(rows.map((r) => r.received_id));
  }

  /**
   * The same bytes received earlier in this mailbox over IMAP under another key (another
   * UIDVALIDITY, or another UID: moved out and back, copied and expunged): sha256 → the earliest such row.
   */
  async findEarlierImapCopies(mailboxId: string, sha256s: string[], newReceivedIds: string[]): Promise<Map<string, ReceivedMessageEntity>> {
    const found = new Map<string, ReceivedMessageEntity>();
    if (sha256s.length === 0) return found;
    const rows = await this.repo.find({
      where: { mailboxId, sha256: In([...new Set(sha256s)]), receivedId: Not(In(newReceivedIds)), protocol: 'imap' },
      order: { receivedAt: 'ASC' },
    });
    for (const row of rows) if (row.sha256 && !found.has(row.sha256)) found.set(row.sha256, row);
    return found;
  }

  /** Points a message not yet settled at its new place on the server. */
  async relocate(receivedId: string, uidvalidity: number, uid: number): Promise<void> {
    await this.repo.update({ receivedId }, { uidvalidity, uid });
  }

  /** Idempotent: a row that exists already (a crashed poll's) is kept as it is. */
  async insert(row: NewReceived): Promise<void> {
    await this.insertMany([row]);
  }

  /**
   * Many rows in one INSERT … ON CONFLICT DO NOTHING, in plain SQL over column arrays: typeorm's
   * insert builder spent more CPU than the statement (incoming profile, docs/performance.md F10).
   */
  async insertMany(rows: NewReceived[]): Promise<void> {
    if (rows.length === 0) return;
    const col = <K extends keyof NewReceived>(k: K) => rows.map((r) => r[k] ?? null);
    await this.repo.query(
      `INSERT INTO ${this.tableName} (received_id, mailbox_id, protocol, uidvalidity, uid, uidl, item_id, raw_key, size, sha256, state,
         outcome, reason, reason_text, settled_at)
       SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::bigint[], $5::bigint[], $6::varchar[], $7::varchar[],
         $8::varchar[], $9::bigint[], $10::varchar[], $11::varchar[], $12::varchar[], $13::varchar[], $14::text[], $15::timestamptz[])
       ON CONFLICT DO NOTHING`,
      [col('receivedId'), col('mailboxId'), col('protocol'), col('uidvalidity'), col('uid'), col('uidl'), col('itemId'), col('rawKey'),
        col('size'), col('sha256'), col('state'), col('outcome'), col('reason'), col('reasonText'), col('settledAt')],
    );
  }

  /** One statement: each row's publish counted and stamped. */
  async markManyPublished(receivedIds: string[]): Promise<void> {
    if (receivedIds.length === 0) return;
    await this.repo.query(
      `UPDATE ${this.tableName} SET publish_count = publish_count + 1, published_at = now(), updated_at = now() WHERE received_id = ANY($1::varchar[])`,
      [receivedIds],
    );
  }

  /** Rows to (re)publish: never acknowledged, or without a verdict for `afterSeconds`. */
  async pendingPublish(mailboxId: string, afterSeconds: number, limit: number): Promise<ReceivedMessageEntity[]> {
    const before = new Date(Date.now() - afterSeconds * 1000);
    return this.repo.find({
      where: [
        { mailboxId, state: 'published', publishedAt: IsNull() },
        { mailboxId, state: 'published', publishedAt: LessThan(before) },
      ],
      order: { receivedAt: 'ASC' },
      take: limit,
    });
  }

  /** Stores the CRM's verdict once; a repeated or late verdict changes nothing. */
  /**
   * Verdicts onto their rows (state published → verdict), many in one statement: the verdicts
   * consumed at the same time come here together (RecordVerdictUseCase). Each gets `recorded`,
   * `already` (its row has a verdict already: a repeated verdict) or `unknown` (no such row).
   */
  async recordVerdicts(verdicts: MailVerdictV1[]): Promise<('recorded' | 'already' | 'unknown')[]> {
    if (verdicts.length === 0) return [];
    // typeorm answers an UPDATE … RETURNING with [rows, affected].
    const [updated] = (await this.repo.query(
      `UPDATE ${this.tableName} r SET state = 'verdict', outcome = v.outcome, reason = v.reason, reason_text = v.reason_text,
         activity_id = v.activity_id, verdict_at = v.verdict_at, updated_at = now()
       FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::text[], $5::varchar[], $6::timestamptz[])
         AS v(received_id, outcome, reason, reason_text, activity_id, verdict_at)
       WHERE r.received_id = v.received_id AND r.state = 'published'
       RETURNING r.received_id`,
      [
        verdicts.map((v) => v.receivedId), verdicts.map((v) => v.outcome), verdicts.map((v) => v.reason),
        verdicts.map((v) => v.reasonText), verdicts.map((v) => v.activityId ?? null), verdicts.map((v) => new Date(v.decidedAt)),
      ],
    )) as [{ received_id: string }[], number];
    const recorded = new Set(updated.map((u) => u.received_id));
    const others = verdicts.filter((v) => !recorded.has(v.receivedId)).map((v) => v.receivedId);
    const known = others.length ? await this.existing(others) : new Set<string>();
    return verdicts.map((v) => (recorded.has(v.receivedId) ? 'recorded' : known.has(v.receivedId) ? 'already' : 'unknown'));
  }

  async awaitingSettlement(mailboxId: string, limit: number): Promise<ReceivedMessageEntity[]> {
    return this.repo.find({ where: { mailboxId, state: 'verdict' }, order: { receivedAt: 'ASC' }, take: limit });
  }

  /**
   * One statement for the whole poll: rows still awaiting settlement become settled (with their
   * error, if any); `deleted` ones are recorded as having left the server.
   */
  async markSettled(settled: SettledRow[]): Promise<void> {
    if (settled.length === 0) return;
    await this.repo.query(
      `UPDATE ${this.tableName} r SET state = 'settled', settled_at = now(), settle_error = s.settle_error, updated_at = now(),
              left_server_at = CASE WHEN s.deleted THEN now() ELSE r.left_server_at END
         FROM unnest($1::varchar[], $2::text[], $3::boolean[]) AS s(received_id, settle_error, deleted)
        WHERE r.received_id = s.received_id AND r.state = 'verdict'`,
      [settled.map((s) => s.receivedId), settled.map((s) => s.settleError ?? null), settled.map((s) => !!s.deleted)],
    );
  }

  /** POP3: the mailbox's messages whose UIDL is not in the maildrop any more have left the server. */
  async markPop3LeftServer(mailboxId: string, listedUidls: string[]): Promise<void> {
    await this.repo.query(
      `UPDATE ${this.tableName} SET left_server_at = now(), updated_at = now()
        WHERE mailbox_id = $1 AND protocol = 'pop3' AND left_server_at IS NULL AND NOT (uidl = ANY($2::varchar[]))`,
      [mailboxId, listedUidls],
    );
  }

  /** POP3: for each UIDL, how many messages had it, and the latest one's receivedId and whether it left the server. */
  async pop3Generations(mailboxId: string, uidls: string[]): Promise<Map<string, Pop3Generation>> {
    const found = new Map<string, Pop3Generation>();
    if (uidls.length === 0) return found;
    const rows = (await this.repo.query(
      `SELECT uidl, count(*)::int AS generations,
              (array_agg(received_id ORDER BY received_at DESC, received_id DESC))[1] AS latest,
              (array_agg(left_server_at IS NOT NULL ORDER BY received_at DESC, received_id DESC))[1] AS latest_left
         FROM ${this.tableName}
        WHERE mailbox_id = $1 AND protocol = 'pop3' AND uidl = ANY($2::varchar[])
        GROUP BY uidl`,
      [mailboxId, uidls],
    )) as { uidl: string; generations: number; latest: string; latest_left: boolean }[];
    for (const r of rows) found.set(r.uidl, { generations: r.generations, latestReceivedId: r.latest, latestLeftServer: r.latest_left });
    return found;
  }

  async counts(mailboxId: string): Promise<MessageCounts> {
    const [row] = await this.repo.query(
      `SELECT count(*)::int AS seen,
              count(*) FILTER (WHERE outcome = 'tracked')::int AS tracked,
              count(*) FILTER (WHERE outcome = 'ignored')::int AS ignored,
              count(*) FILTER (WHERE outcome = 'quarantined')::int AS quarantined,
              count(*) FILTER (WHERE state = 'published')::int AS "awaitingVerdict"
         FROM ${this.tableName} WHERE mailbox_id = $1`,
      [mailboxId],
    );
    return row as MessageCounts;
  }
}
