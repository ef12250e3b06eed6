import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One poll of one mailbox by one replica, start to end (database clock): who read which
 * mailbox when. Kept POLL_SPAN_RETENTION_MINUTES; an open span is a poll in progress, or one
 * whose replica died.
 */
@Entity({ name: 'poll_span' })
@Index('ix_poll_span_mailbox_started', ['mailboxId', 'startedAt'])
export class PollSpanEntity {
  @PrimaryGeneratedColumn({ name: 'id', type: 'bigint' })
  id!: string;

  @Column({ name: 'mailbox_id', type: 'varchar', length: 200 })
  mailboxId!: string;

  @Column({ name: 'replica_id', type: 'varchar', length: 200 })
  replicaId!: string;

  /** `schedule` (interval, verdict to settle, configuration change) or `idle` (the server announced new mail). */
  @Column({ name: 'trigger', type: 'varchar', length: 16 })
  trigger!: string;

  @Column({ name: 'started_at', type: 'timestamptz' })
  startedAt!: Date;

  @Column({ name: 'ended_at', type: 'timestamptz', nullable: true })
  endedAt!: Date | null;

  /** success | failure | aborted (the lease was lost), null while running. */
  @Column({ name: 'outcome', type: 'varchar', length: 16, nullable: true })
  outcome!: string | null;
}
