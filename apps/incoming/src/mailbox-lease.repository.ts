import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { MailboxStateEntity } from './entities/mailbox-state.entity';
import { ReplicaEntity } from './entities/replica.entity';
import { qualifiedTable } from './mailbox-state.repository';

/** TypeORM answers an UPDATE … RETURNING on PostgreSQL with [rows, count]. */
function returnedIds(result: unknown): string[] {
  const rows = (Array.isArray(result) && Array.isArray(result[0]) ? result[0] : result) as { mailbox_id: string }[];
  return rows.map((r) => r.mailbox_id);
}

/**
 * Which replica serves which mailbox. A mailbox row's `owner` holds it while `lease_until` is
 * in the future; every statement is one conditional UPDATE, so two replicas never hold one
 * mailbox at once. Replicas announce themselves with a heartbeat row.
 */
@Injectable()
export class MailboxLeaseRepository {
  constructor(
    @InjectRepository(MailboxStateEntity) private readonly states: Repository<MailboxStateEntity>,
    @InjectRepository(ReplicaEntity) private readonly replicas: Repository<ReplicaEntity>,
  ) {}

  private get stateTable(): string {
    return qualifiedTable(this.states);
  }

  private get replicaTable(): string {
    return qualifiedTable(this.replicas);
  }

  /** Renews this replica's heartbeat; returns how many replicas are live (this one included). */
  async heartbeat(replicaId: string, ttlSeconds: number): Promise<number> {
    await this.replicas.query(
      `INSERT INTO ${this.replicaTable} (replica_id) VALUES ($1)
       ON CONFLICT (replica_id) DO UPDATE SET heartbeat_at = now()`,
      [replicaId],
    );
    const [{ live }] = await this.replicas.query(
      `SELECT count(*)::int AS live FROM ${this.replicaTable} WHERE heartbeat_at > now() - make_interval(secs => $1)`,
      [ttlSeconds],
    );
    return live as number;
  }

  /** Forgets replicas silent for a long time (their rows only clutter the table). */
  async forgetSilentReplicas(olderThanSeconds: number): Promise<void> {
    await this.replicas.query(`DELETE FROM ${this.replicaTable} WHERE heartbeat_at < now() - make_interval(secs => $1)`, [olderThanSeconds]);
  }

  async leaveReplicas(replicaId: string): Promise<void> {
    await this.replicas.delete({ replicaId });
  }

  /**
   * Extends this replica's leases on the mailboxes it still serves, and returns them. A lease
   * that ran out but was not taken by another replica is still this replica's.
   */
  async renew(replicaId: string, ids: string[], leaseSeconds: number): Promise<string[]> {
    return returnedIds(await this.states.query(
      `UPDATE ${this.stateTable} SET lease_until = now() + make_interval(secs => $3)
        WHERE owner = $1 AND mailbox_id = ANY($2::varchar[]) RETURNING mailbox_id`,
      [replicaId, ids, leaseSeconds],
    ));
  }

  /** Takes up to `limit` of `ids` that nobody holds (never held, released, or the holder's lease ran out). */
  async acquire(replicaId: string, ids: string[], limit: number, leaseSeconds: number): Promise<string[]> {
    if (ids.length === 0 || limit <= 0) return [];
    return returnedIds(await this.states.query(
      `UPDATE ${this.stateTable} SET owner = $1, lease_until = now() + make_interval(secs => $4)
        WHERE mailbox_id IN (
          SELECT mailbox_id FROM ${this.stateTable}
           WHERE mailbox_id = ANY($2::varchar[]) AND (owner IS NULL OR lease_until IS NULL OR lease_until < now())
           ORDER BY next_poll_at LIMIT $3 FOR UPDATE SKIP LOCKED)
          AND (owner IS NULL OR lease_until IS NULL OR lease_until < now())
        RETURNING mailbox_id`,
      [replicaId, ids, limit, leaseSeconds],
    ));
  }

  /** Gives mailboxes back at once (surplus after a replica joined, or shutdown). */
  async release(replicaId: string, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.states.query(
      `UPDATE ${this.stateTable} SET owner = NULL, lease_until = NULL WHERE owner = $1 AND mailbox_id = ANY($2::varchar[])`,
      [replicaId, ids],
    );
  }

  /** Gives back whatever this replica holds outside `ids` (mailboxes no longer served). */
  async releaseAllBut(replicaId: string, ids: string[]): Promise<void> {
    await this.states.query(
      `UPDATE ${this.stateTable} SET owner = NULL, lease_until = NULL WHERE owner = $1 AND NOT (mailbox_id = ANY($2::varchar[]))`,
      [replicaId, ids],
    );
  }
}
