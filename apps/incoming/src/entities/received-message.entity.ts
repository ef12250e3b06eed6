import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { IncomingProtocol } from '@mailrouter/domain';
import { bigintNumber } from './bigint.transformer';

export const RECEIVED_STATES = ['published', 'verdict', 'settled'] as const;
export type ReceivedState = (typeof RECEIVED_STATES)[number];

/** The router's reason for a message it never published (not a CRM reason code). */
export const TOO_LARGE_REASON = 'too-large';

/** A message found on a server: published, then given a verdict, then settled on the server. */
@Entity({ name: 'received_message' })
@Index('ix_received_message_mailbox_state', ['mailboxId', 'state'])
@Index('ix_received_message_mailbox_sha256', ['mailboxId', 'sha256'])
export class ReceivedMessageEntity {
  /** `<mailboxId>:imap:<uidvalidity>:<uid>`, `<mailboxId>:pop3:<uidl>`, `…:ews:<hash>`, `…:graph:<hash>`; also the Nats-Msg-Id. */
  @PrimaryColumn({ name: 'received_id', type: 'varchar', length: 400 })
  receivedId!: string;

  @Column({ name: 'mailbox_id', type: 'varchar', length: 200 })
  mailboxId!: string;

  @Column({ name: 'protocol', type: 'varchar', length: 8 })
  protocol!: IncomingProtocol;

  /** Where the message is now (IMAP); may move when UIDVALIDITY changes. */
  @Column({ name: 'uidvalidity', type: 'bigint', nullable: true, transformer: bigintNumber })
  uidvalidity!: number | null;

  @Column({ name: 'uid', type: 'bigint', nullable: true, transformer: bigintNumber })
  uid!: number | null;

  @Column({ name: 'uidl', type: 'varchar', length: 200, nullable: true })
  uidl!: string | null;

  /** EWS ItemId / Graph message id (the key carries only its hash): what settling addresses. */
  @Column({ name: 'item_id', type: 'varchar', length: 1024, nullable: true })
  itemId!: string | null;

  /** Key in the raw-mail object store (null when the message was never fetched). */
  @Column({ name: 'raw_key', type: 'varchar', length: 400, nullable: true })
  rawKey!: string | null;

  @Column({ name: 'size', type: 'bigint', transformer: bigintNumber })
  size!: number;

  @Column({ name: 'sha256', type: 'varchar', length: 64, nullable: true })
  sha256!: string | null;

  @Column({ name: 'state', type: 'varchar', length: 16 })
  state!: ReceivedState;

  @Column({ name: 'outcome', type: 'varchar', length: 16, nullable: true })
  outcome!: 'tracked' | 'ignored' | 'quarantined' | null;

  @Column({ name: 'reason', type: 'varchar', length: 64, nullable: true })
  reason!: string | null;

  @Column({ name: 'reason_text', type: 'text', nullable: true })
  reasonText!: string | null;

  @Column({ name: 'activity_id', type: 'varchar', length: 200, nullable: true })
  activityId!: string | null;

  /** Last time the server acknowledged a publish of mailReceived (null: never). */
  @Column({ name: 'published_at', type: 'timestamptz', nullable: true })
  publishedAt!: Date | null;

  @Column({ name: 'publish_count', type: 'int', default: 0 })
  publishCount!: number;

  @Column({ name: 'verdict_at', type: 'timestamptz', nullable: true })
  verdictAt!: Date | null;

  @Column({ name: 'settled_at', type: 'timestamptz', nullable: true })
  settledAt!: Date | null;

  @Column({ name: 'settle_error', type: 'text', nullable: true })
  settleError!: string | null;

  /**
   * When the message left the server: deleted by the router after its verdict, or missing from
   * a POP3 listing. POP3 servers may give its UIDL to a new message afterwards; that one is new.
   */
  @Column({ name: 'left_server_at', type: 'timestamptz', nullable: true })
  leftServerAt!: Date | null;

  @CreateDateColumn({ name: 'received_at', type: 'timestamptz' })
  receivedAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
