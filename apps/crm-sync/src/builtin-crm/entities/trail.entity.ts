import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

/** Why each received message was (or was not) tracked: one row per receivedId. */
@Entity({ name: 'received_mail' })
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
