import { Column, Entity, PrimaryColumn } from 'typeorm';

export const SEND_STATES = ['sending', 'sent', 'failed'] as const;
export type SendState = (typeof SEND_STATES)[number];

/**
 * The idempotency log: one row per CRM email. `sending` is written (attempts + 1) before the
 * SMTP conversation starts; `sent` / `failed` are final and the recorded result is what any
 * later command for the same email gets back, so a redelivered or re-claimed command never
 * sends twice.
 */
@Entity({ name: 'send_log' })
export class SendLogEntity {
  @PrimaryColumn({ name: 'email_id', type: 'text' })
  emailId!: string;

  /** The deterministic Message-ID every attempt of this email carries. */
  @Column({ name: 'message_id', type: 'text' })
  messageId!: string;

  @Column({ type: 'varchar', length: 8 })
  state!: SendState;

  /** SMTP attempts started (a crashed attempt counts). */
  @Column({ type: 'int', default: 0 })
  attempts!: number;

  /** The server's last reply, or the network error. */
  @Column({ name: 'last_response', type: 'text', nullable: true })
  lastResponse!: string | null;

  /** Why it failed, for the CRM user (set with state `failed`). */
  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  /** A previous attempt died mid-send: the server may have accepted it already. */
  @Column({ name: 'possible_duplicate', type: 'boolean', default: false })
  possibleDuplicate!: boolean;

  /**
   * Set while an attempt talks to the server; cleared when the attempt ends. Still set after
   * it passed means the process died mid-send.
   */
  @Column({ name: 'attempt_lease_until', type: 'timestamptz', nullable: true })
  attemptLeaseUntil!: Date | null;

  @Column({ name: 'first_attempt_at', type: 'timestamptz' })
  firstAttemptAt!: Date;

  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true })
  completedAt!: Date | null;
}
