import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import type { MailInspection, ResolvedParty } from '@mailrouter/domain';

type MailAuthentication = NonNullable<MailInspection['authentication']>;

/** Why each received message was (or was not) tracked: one row per receivedId. */
@Entity({ name: 'received_mail' })
@Index('received_mail_owner_sender_idx', ['ownerId', 'fromAddress', 'decidedAt'])
export class ReceivedMailEntity {
  @PrimaryColumn({ name: 'received_id', type: 'text' })
  receivedId!: string;

  @Index('received_mail_mailbox_idx')
  @Column({ name: 'mailbox_id', type: 'text' })
  mailboxId!: string;

  @Index('received_mail_message_id_idx')
  @Column({ name: 'message_id', type: 'text', nullable: true })
  messageId!: string | null;

  @Column({ type: 'text', nullable: true })
  subject!: string | null;

  @Column({ name: 'from_address', type: 'text', nullable: true })
  fromAddress!: string | null;

  /** tracked | ignored | quarantined */
  @Column({ type: 'varchar', length: 12 })
  outcome!: string;

  @Column({ type: 'varchar', length: 40 })
  reason!: string;

  @Column({ name: 'reason_text', type: 'text' })
  reasonText!: string;

  @Column({ name: 'activity_id', type: 'uuid', nullable: true })
  activityId!: string | null;

  /** The user or queue the message was checked for (the loop guard counts per owner and sender). */
  @Column({ name: 'owner_type', type: 'varchar', length: 10, nullable: true })
  ownerType!: string | null;

  @Column({ name: 'owner_id', type: 'uuid', nullable: true })
  ownerId!: string | null;

  /** token | in-reply-to | references | smart-match | none (null: not checked, e.g. unparseable). */
  @Column({ name: 'correlation_rule', type: 'varchar', length: 12, nullable: true })
  correlationRule!: string | null;

  /** The parties as resolved: [{ role, address, records: [{type, id}], ambiguous? }]. */
  @Column({ type: 'jsonb', nullable: true })
  parties!: ResolvedParty[] | null;

  /** SPF/DKIM/DMARC result of the From domain. */
  @Column({ type: 'jsonb', nullable: true })
  authentication!: MailAuthentication | null;

  /** auto-reply | bounce | bulk, or null for a person's mail. */
  @Column({ name: 'automatic_kind', type: 'varchar', length: 12, nullable: true })
  automaticKind!: string | null;

  @Column({ name: 'automatic_reason', type: 'text', nullable: true })
  automaticReason!: string | null;

  @Index('received_mail_decided_at_idx')
  @Column({ name: 'decided_at', type: 'timestamptz' })
  decidedAt!: Date;
}

/** Messages that can never be handled, kept with the reason for the operator. */
@Entity({ name: 'quarantine' })
export class QuarantineEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 40 })
  event!: string;

  @Column({ name: 'msg_id', type: 'text', nullable: true })
  msgId!: string | null;

  @Column({ type: 'jsonb' })
  payload!: unknown;

  @Column({ type: 'text' })
  reason!: string;

  @Index('quarantine_created_at_idx')
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
