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
        `UPDATE ${table(this.repo)} SET next_poll_at = now(), consecutive_failures = 0, updated_at = now() WHERE mailbox_id = ANY($1::varchar[])`,
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
        WHERE s.owner = $1 AND s.lease_until > now()
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
    await this.repo.query(`UPDATE ${table(this.repo)} SET last_poll_at = now() WHERE mailbox_id = $1`, [id]);
    return (await this.repo.findOneBy({ mailboxId: id })) ?? undefined;
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

  async recordFailure(id: string, error: string, backoff: (failures: number) => number): Promise<number> {
    const row = await this.repo.findOneBy({ mailboxId: id });
    const failures = (row?.consecutiveFailures ?? 0) + 1;
    await this.repo.query(
      `UPDATE ${table(this.repo)} SET consecutive_failures = $2, last_error = $3,
              next_poll_at = now() + make_interval(secs => $4::double precision / 1000), updated_at = now()
        WHERE mailbox_id = $1`,
      [id, failures, error.slice(0, 2000), backoff(failures)],
    );
    return failures;
  }

  async get(id: string): Promise<MailboxStateEntity | undefined> {
    return (await this.repo.findOneBy({ mailboxId: id })) ?? undefined;
  }
}

export { table as qualifiedTable };
