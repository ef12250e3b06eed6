import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { ObjectLiteral, Repository } from 'typeorm';
import { MailboxStateEntity } from './entities/mailbox-state.entity';

function table(repo: Repository<ObjectLiteral>): string {
  const m = repo.metadata;
  return m.schema ? `"${m.schema}"."${m.tableName}"` : `"${m.tableName}"`;
}

/**
 * Cursor and schedule of each served mailbox. The row also carries the replica lease
 * (owner + lease_until, see MailboxLeaseRepository): only the owner polls the mailbox.
 */
@Injectable()
export class MailboxStateRepository {
  constructor(@InjectRepository(MailboxStateEntity) private readonly repo: Repository<MailboxStateEntity>) {}

  /** Creates missing rows; `pollNow` ones (new or changed in the configuration) are due at once, failures forgiven. */
  async ensure(ids: string[], pollNow: string[]): Promise<void> {
    if (ids.length) {
      await this.repo.query(`INSERT INTO ${table(this.repo)} (mailbox_id) SELECT unnest($1::varchar[]) ON CONFLICT (mailbox_id) DO NOTHING`, [ids]);
    }
    if (pollNow.length) {
      await this.repo.query(
        // A disabled mailbox stays disabled through a publish: only an operator's enable (after a test) lifts it.
        `UPDATE ${table(this.repo)} SET next_poll_at = now(), consecutive_failures = 0, updated_at = now()
          WHERE mailbox_id = ANY($1::varchar[]) AND disabled_at IS NULL`,
        [pollNow],
      );
    }
  }

  /**
   * Of the mailboxes this replica holds the lease of, those due: their time has come, or (when
   * healthy) a verdict waits to be settled on the server. Selected by the lease owner column, so
   * the served list is not sent on every tick; the caller still checks its own lease and config.
   */
  async due(owner: string, receivedTable: string): Promise<string[]> {
    const rows: { mailbox_id: string }[] = await this.repo.query(
      `SELECT s.mailbox_id FROM ${table(this.repo)} s
        WHERE s.owner = $1 AND s.lease_until > now() AND s.disabled_at IS NULL
          AND (s.next_poll_at <= now()
               OR (s.consecutive_failures = 0
                   AND EXISTS (SELECT 1 FROM ${receivedTable} r WHERE r.mailbox_id = s.mailbox_id AND r.state = 'verdict')))
        ORDER BY s.next_poll_at`,
      [owner],
    );
    return rows.map((r) => r.mailbox_id);
  }

  /** Marks the start of a poll. */
  async startPoll(id: string): Promise<MailboxStateEntity | undefined> {
    // One statement per poll, not an UPDATE and a SELECT: idle polls are most polls (10,000 mailboxes, docs/performance.md).
    const rows = updatedRows<Record<string, unknown>>(await this.repo.query(
      `UPDATE ${table(this.repo)} SET last_poll_at = now() WHERE mailbox_id = $1 RETURNING *`, [id]));
    return rows.length ? this.entityOf(rows[0]) : undefined;
  }

  /** A raw row (database column names) as the entity, through the columns' transformers. */
  private entityOf(row: Record<string, unknown>): MailboxStateEntity {
    const entity = this.repo.create();
    for (const c of this.repo.metadata.columns) {
      const value = row[c.databaseName];
      const transformer = Array.isArray(c.transformer) ? undefined : c.transformer;
      (entity as unknown as Record<string, unknown>)[c.propertyName] = transformer ? transformer.from(value) : value;
    }
    return entity;
  }

  async advanceLastUid(id: string, uid: number): Promise<void> {
    await this.repo.query(`UPDATE ${table(this.repo)} SET last_uid = GREATEST(last_uid, $2), updated_at = now() WHERE mailbox_id = $1`, [id, uid]);
  }

  /** After a full pass over a new UIDVALIDITY: from now on, only UIDs above `lastUid` are new. */
  async setCursor(id: string, uidvalidity: number, lastUid: number): Promise<void> {
    await this.repo.update({ mailboxId: id }, { uidvalidity, lastUid });
  }

  /** EWS/Graph: saved once every message listed up to this state is stored and acknowledged. */
  async setSyncState(id: string, syncState: string): Promise<void> {
    await this.repo.query(`UPDATE ${table(this.repo)} SET sync_state = $2, updated_at = now() WHERE mailbox_id = $1`, [id, syncState]);
  }

  async recordSuccess(id: string, nextPollInMs: number): Promise<void> {
    await this.repo.query(
      `UPDATE ${table(this.repo)} SET last_success_at = now(), consecutive_failures = 0, last_error = NULL,
              next_poll_at = now() + make_interval(secs => $2::double precision / 1000), updated_at = now()
        WHERE mailbox_id = $1`,
      [id, nextPollInMs],
    );
  }

  /** The next poll in `delayMs`, nothing else changed (a poll cut short by the router's own outage). */
  async postpone(id: string, delayMs: number): Promise<void> {
    await this.repo.query(
      `UPDATE ${table(this.repo)} SET next_poll_at = now() + make_interval(secs => $2::double precision / 1000), updated_at = now() WHERE mailbox_id = $1`,
      [id, delayMs],
    );
  }

  /**
   * One more failed poll, in one statement (two replicas never count the same failure once).
   * The `disableAfter`-th failure in a row disables the mailbox with the error as its reason
   * (0: never); `disabledNow` is true only for the poll that disabled it.
   */
  async recordFailure(id: string, error: string, backoff: (failures: number) => number, disableAfter = 0): Promise<{ failures: number; disabledNow: boolean }> {
    const failures = ((await this.repo.findOneBy({ mailboxId: id }))?.consecutiveFailures ?? 0) + 1;
    const disable = 'old.disabled_at IS NULL AND $4 > 0 AND old.consecutive_failures + 1 >= $4';
    const rows = updatedRows<{ consecutive_failures: number; disabled_now: boolean }>(await this.repo.query(
      `UPDATE ${table(this.repo)} s SET consecutive_failures = old.consecutive_failures + 1, last_error = $2, last_failure_at = now(),
              next_poll_at = now() + make_interval(secs => $3::double precision / 1000),
              disabled_reason = CASE WHEN ${disable} THEN $2 ELSE old.disabled_reason END,
              disabled_at = CASE WHEN ${disable} THEN now() ELSE old.disabled_at END,
              updated_at = now()
         FROM (SELECT mailbox_id, consecutive_failures, disabled_at, disabled_reason FROM ${table(this.repo)} WHERE mailbox_id = $1 FOR UPDATE) old
        WHERE s.mailbox_id = old.mailbox_id
        RETURNING s.consecutive_failures, (${disable}) AS disabled_now`,
      [id, error.slice(0, 2000), backoff(failures), disableAfter],
    ));
    return { failures: rows[0]?.consecutive_failures ?? failures, disabledNow: !!rows[0]?.disabled_now };
  }

  /**
   * Lifts a mailbox's disablement: failures forgiven, due at once. The cursor is left as it is,
   * so the next poll resumes where the last good one stopped. False when there is no such row.
   */
  async enable(id: string): Promise<{ found: boolean; wasDisabled: boolean }> {
    const rows = updatedRows<{ was_disabled: boolean }>(await this.repo.query(
      `UPDATE ${table(this.repo)} s SET disabled_at = NULL, disabled_reason = NULL, consecutive_failures = 0,
              next_poll_at = now(), updated_at = now()
         FROM (SELECT mailbox_id, disabled_at IS NOT NULL AS was_disabled FROM ${table(this.repo)} WHERE mailbox_id = $1 FOR UPDATE) old
        WHERE s.mailbox_id = old.mailbox_id
        RETURNING old.was_disabled`,
      [id],
    ));
    return { found: rows.length > 0, wasDisabled: !!rows[0]?.was_disabled };
  }

  /** The disabled mailboxes among those this replica holds the lease of (no poll, no IDLE for them). */
  async disabledOf(owner: string): Promise<string[]> {
    const rows: { mailbox_id: string }[] = await this.repo.query(
      `SELECT mailbox_id FROM ${table(this.repo)} WHERE owner = $1 AND lease_until > now() AND disabled_at IS NOT NULL`,
      [owner],
    );
    return rows.map((r) => r.mailbox_id);
  }

  /** Rows of many mailboxes at once (the health view). */
  async getMany(ids: string[]): Promise<Map<string, MailboxStateEntity>> {
    if (ids.length === 0) return new Map();
    const rows = await this.repo.createQueryBuilder('s').where('s.mailbox_id = ANY(:ids)', { ids }).getMany();
    return new Map(rows.map((r) => [r.mailboxId, r]));
  }

  /**
   * Per mailbox, received messages not yet done with: never acknowledged by JetStream (the
   * outbox) and published but still without the CRM's verdict. One query for every mailbox.
   */
  async backlogs(ids: string[], receivedTable: string): Promise<Map<string, { unpublished: number; awaitingVerdict: number }>> {
    if (ids.length === 0) return new Map();
    const rows: { mailbox_id: string; unpublished: number; awaiting: number }[] = await this.repo.query(
      `SELECT mailbox_id,
              count(*) FILTER (WHERE published_at IS NULL)::int AS unpublished,
              count(*) FILTER (WHERE published_at IS NOT NULL)::int AS awaiting
         FROM ${receivedTable}
        WHERE mailbox_id = ANY($1::varchar[]) AND state = 'published'
        GROUP BY mailbox_id`,
      [ids],
    );
    return new Map(rows.map((r) => [r.mailbox_id, { unpublished: r.unpublished, awaitingVerdict: r.awaiting }]));
  }

  async get(id: string): Promise<MailboxStateEntity | undefined> {
    return (await this.repo.findOneBy({ mailboxId: id })) ?? undefined;
  }
}

/** TypeORM answers an UPDATE … RETURNING on PostgreSQL with `[rows, rowCount]`. */
function updatedRows<T>(result: unknown): T[] {
  return (Array.isArray(result) && Array.isArray(result[0]) ? result[0] : result) as T[];
}

export { table as qualifiedTable };
