import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { bigintNumber } from './bigint.transformer';

/** One served mailbox's cursor and poll schedule. */
@Entity({ name: 'mailbox_state' })
export class MailboxStateEntity {
  @PrimaryColumn({ name: 'mailbox_id', type: 'varchar', length: 200 })
  mailboxId!: string;

  /** IMAP INBOX UIDVALIDITY the cursor belongs to (null: never polled over IMAP). */
  @Column({ name: 'uidvalidity', type: 'bigint', nullable: true, transformer: bigintNumber })
  uidvalidity!: number | null;

  /** Highest IMAP UID handled under `uidvalidity`. */
  @Column({ name: 'last_uid', type: 'bigint', default: 0, transformer: bigintNumber })
  lastUid!: number;

  /** EWS SyncFolderItems state / Graph delta link: the cursor of sync-state protocols (null: first sync). */
  @Column({ name: 'sync_state', type: 'text', nullable: true })
  syncState!: string | null;

  @Column({ name: 'last_poll_at', type: 'timestamptz', nullable: true })
  lastPollAt!: Date | null;

  @Column({ name: 'last_success_at', type: 'timestamptz', nullable: true })
  lastSuccessAt!: Date | null;

  @Column({ name: 'next_poll_at', type: 'timestamptz', default: () => 'now()' })
  nextPollAt!: Date;

  /** The replica serving the mailbox (polls, IDLE) while its lease runs (null: nobody). */
  @Column({ name: 'owner', type: 'varchar', length: 200, nullable: true })
  owner!: string | null;

  /** `owner` serves the mailbox until then, renewed every tick; after it, any replica may take it. */
  @Column({ name: 'lease_until', type: 'timestamptz', nullable: true })
  leaseUntil!: Date | null;

  @Column({ name: 'consecutive_failures', type: 'int', default: 0 })
  consecutiveFailures!: number;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  /** When the last poll failed (kept after a success): the "failing within the last hour" alert counts it. */
  @Column({ name: 'last_failure_at', type: 'timestamptz', nullable: true })
  lastFailureAt!: Date | null;

  /**
   * Set after MAILBOX_DISABLE_AFTER_FAILURES failed polls in a row (the original's server-side
   * sync rule): no polls, no IDLE, until an operator re-enables it (test access first).
   */
  @Column({ name: 'disabled_at', type: 'timestamptz', nullable: true })
  disabledAt!: Date | null;

  /** The error of the poll that disabled the mailbox. */
  @Column({ name: 'disabled_reason', type: 'text', nullable: true })
  disabledReason!: string | null;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
