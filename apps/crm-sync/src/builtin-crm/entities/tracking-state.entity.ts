import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { EmailEntity } from './email.entity';

/** Something an operator must look at, e.g. a mail loop the loop guard stopped. */
@Entity({ name: 'alert' })
@Index('alert_owner_sender_idx', ['ownerId', 'sender', 'createdAt'])
export class AlertEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** loop-guard */
  @Column({ type: 'varchar', length: 30 })
  kind!: string;

  @Column({ name: 'owner_type', type: 'varchar', length: 10 })
  ownerType!: string;

  @Column({ name: 'owner_id', type: 'uuid' })
  ownerId!: string;

  @Column({ type: 'text', nullable: true })
  sender!: string | null;

  @Column({ type: 'text' })
  message!: string;

  @Index('alert_created_at_idx')
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

/** An email waiting in a queue (email to a queue mailbox creates one). */
@Entity({ name: 'queue_item' })
@Index('queue_item_queue_email_uq', ['queueId', 'emailId'], { unique: true })
export class QueueItemEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'queue_id', type: 'uuid' })
  queueId!: string;

  @Column({ name: 'email_id', type: 'uuid' })
  emailId!: string;

  @ManyToOne(() => EmailEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'email_id' })
  email?: EmailEntity;

  @Index('queue_item_created_at_idx')
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
