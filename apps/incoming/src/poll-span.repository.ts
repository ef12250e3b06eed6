import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { PollSpanEntity } from './entities/poll-span.entity';
import { qualifiedTable } from './mailbox-state.repository';

export type PollTrigger = 'schedule' | 'idle';
export type PollOutcome = 'success' | 'failure' | 'aborted';

/** Who polled which mailbox when: one row per poll, start and end on the database clock. */
@Injectable()
export class PollSpanRepository {
  constructor(@InjectRepository(PollSpanEntity) private readonly repo: Repository<PollSpanEntity>) {}

  async begin(mailboxId: string, replicaId: string, trigger: PollTrigger): Promise<string> {
    const [row] = await this.repo.query(
      `INSERT INTO ${qualifiedTable(this.repo)} (mailbox_id, replica_id, trigger, started_at) VALUES ($1, $2, $3, clock_timestamp()) RETURNING id`,
      [mailboxId, replicaId, trigger],
    );
    return String(row.id);
  }

  async end(id: string, outcome: PollOutcome): Promise<void> {
    await this.repo.query(`UPDATE ${qualifiedTable(this.repo)} SET ended_at = clock_timestamp(), outcome = $2 WHERE id = $1`, [id, outcome]);
  }

  async prune(olderThanMinutes: number): Promise<void> {
    await this.repo.query(`DELETE FROM ${qualifiedTable(this.repo)} WHERE started_at < now() - make_interval(mins => $1)`, [olderThanMinutes]);
  }
}
