import {
  Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, OneToMany, PrimaryGeneratedColumn,
} from 'typeorm';

/** An email activity of the built-in CRM, received or composed. */
@Entity({ name: 'email' })
// The same Message-ID makes at most one activity per owner (redeliveries, copies in two folders).
@Index('email_owner_message_id_uq', ['ownerType', 'ownerId', 'messageId'], { unique: true })
// The same received message (mailbox + UIDVALIDITY + UID) makes at most one activity per owner.
@Index('email_owner_received_id_uq', ['ownerType', 'ownerId', 'receivedId'], { unique: true })
@Index('email_claim_idx', ['direction', 'status', 'createdAt'])
export class EmailEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** incoming | outgoing */
  @Column({ type: 'varchar', length: 10 })
  direction!: string;

  /** received | draft | pending-send | sending | sent | failed */
  @Column({ type: 'varchar', length: 20 })
  status!: string;

  /** user | queue */
  @Column({ name: 'owner_type', type: 'varchar', length: 10 })
  ownerType!: string;

  @Column({ name: 'owner_id', type: 'uuid' })
  ownerId!: string;

  @Column({ type: 'text', default: '' })
  subject!: string;

  @Column({ name: 'body_text', type: 'text', nullable: true })
  bodyText!: string | null;

  @Column({ name: 'body_html', type: 'text', nullable: true })
  bodyHtml!: string | null;

  /** Normalised `<id@domain>`. */
  @Index('email_message_id_idx')
  @Column({ name: 'message_id', type: 'text', nullable: true })
  messageId!: string | null;

  @Column({ name: 'in_reply_to', type: 'text', nullable: true })
  inReplyTo!: string | null;

  @Column({ name: 'references', type: 'text', array: true, default: () => "'{}'" })
  references!: string[];

  @Index('email_tracking_token_idx')
  @Column({ name: 'tracking_token', type: 'text', nullable: true })
  trackingToken!: string | null;

  /** The subject without RE:/FW: prefixes and token, lower case: smart matching looks it up. */
  @Index('email_conversation_subject_idx')
  @Column({ name: 'conversation_subject', type: 'text', nullable: true })
  conversationSubject!: string | null;

  @Column({ name: 'regarding_type', type: 'varchar', length: 10, nullable: true })
  regardingType!: string | null;

  @Column({ name: 'regarding_id', type: 'uuid', nullable: true })
  regardingId!: string | null;

  @Column({ name: 'received_id', type: 'text', nullable: true })
  receivedId!: string | null;

  @Column({ name: 'delivery_attempts', type: 'int', default: 0 })
  deliveryAttempts!: number;

  @Column({ name: 'failure_reason', type: 'text', nullable: true })
  failureReason!: string | null;

  @Column({ name: 'claim_count', type: 'int', default: 0 })
  claimCount!: number;

  @Column({ name: 'lease_until', type: 'timestamptz', nullable: true })
  leaseUntil!: Date | null;

  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true })
  sentAt!: Date | null;

  @Index('email_created_at_idx')
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @OneToMany(() => EmailPartyEntity, (p) => p.email)
  parties?: EmailPartyEntity[];

  @OneToMany(() => AttachmentEntity, (a) => a.email)
  attachments?: AttachmentEntity[];
}

@Entity({ name: 'email_party' })
export class EmailPartyEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Index('email_party_email_idx')
  @Column({ name: 'email_id', type: 'uuid' })
  emailId!: string;

  @ManyToOne(() => EmailEntity, (e) => e.parties, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'email_id' })
  email?: EmailEntity;

  /** from | to | cc | bcc */
  @Column({ type: 'varchar', length: 4 })
  role!: string;

  /** Normalised addr-spec. */
  @Column({ type: 'text' })
  address!: string;

  @Column({ type: 'text', nullable: true })
  name!: string | null;

  @Column({ name: 'record_type', type: 'varchar', length: 10, nullable: true })
  recordType!: string | null;

  @Column({ name: 'record_id', type: 'uuid', nullable: true })
  recordId!: string | null;

  /** Keeps the header order of the parties. */
  @Column({ type: 'int', default: 0 })
  position!: number;
}

@Entity({ name: 'attachment' })
export class AttachmentEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Index('attachment_email_idx')
  @Column({ name: 'email_id', type: 'uuid' })
  emailId!: string;

  @ManyToOne(() => EmailEntity, (e) => e.attachments, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'email_id' })
  email?: EmailEntity;

  @Column({ type: 'text' })
  filename!: string;

  @Column({ name: 'content_type', type: 'text' })
  contentType!: string;

  @Column({ type: 'int' })
  size!: number;

  /** Null when the attachment was larger than the deployment's maxAttachmentBytes: listed, not stored. */
  @Column({ type: 'bytea', nullable: true })
  content!: Buffer | null;
}
