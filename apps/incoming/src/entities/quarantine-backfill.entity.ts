import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export const QUARANTINE_ACTIONS = ['reprocessed', 'discarded', 'attached'] as const;
export type QuarantineAction = (typeof QUARANTINE_ACTIONS)[number];

/**
 * What an administrator did with a quarantined received message: re-processed it (published
 * again as `newReceivedId`) or discarded it. The received_message row stays as it was, for the trace.
 */
@Entity({ name: 'quarantine_action' })
@Index('ix_quarantine_action_received', ['receivedId'])
export class QuarantineActionEntity {
  @PrimaryGeneratedColumn({ name: 'id', type: 'bigint' })
  id!: string;

  @Column({ name: 'received_id', type: 'varchar', length: 400 })
  receivedId!: string;

  @Column({ name: 'action', type: 'varchar', length: 16 })
  action!: QuarantineAction;

  @Column({ name: 'new_received_id', type: 'varchar', length: 400, nullable: true })
  newReceivedId!: string | null;

  @CreateDateColumn({ name: 'acted_at', type: 'timestamptz' })
  actedAt!: Date;
}

export const BACKFILL_STATES = ['pending', 'done', 'failed'] as const;
export type BackfillState = (typeof BACKFILL_STATES)[number];

/** A request to take a mailbox's messages since a date at its next poll (seen ones too). */
@Entity({ name: 'backfill_request' })
@Index('ix_backfill_request_mailbox_state', ['mailboxId', 'state'])
export class BackfillRequestEntity {
  @PrimaryGeneratedColumn({ name: 'id', type: 'bigint' })
  id!: string;

  @Column({ name: 'mailbox_id', type: 'varchar', length: 200 })
  mailboxId!: string;

  @Column({ name: 'since', type: 'timestamptz' })
  since!: Date;

  @Column({ name: 'state', type: 'varchar', length: 16 })
  state!: BackfillState;

  /** Messages on the server since `since` (the last poll that worked on it). */
  @Column({ name: 'found', type: 'int', nullable: true })
  found!: number | null;

  /** Of those, the ones not received before: published by the backfill (summed over its polls). */
  @Column({ name: 'fresh', type: 'int', default: 0 })
  fresh!: number;

  @Column({ name: 'error', type: 'text', nullable: true })
  error!: string | null;

  @CreateDateColumn({ name: 'requested_at', type: 'timestamptz' })
  requestedAt!: Date;

  @Column({ name: 'done_at', type: 'timestamptz', nullable: true })
  doneAt!: Date | null;
}
