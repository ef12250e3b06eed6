import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** Send commands that can never be handled (unreadable, or failing in an unexpected way), with why. */
@Entity({ name: 'quarantine' })
export class QuarantinedCommandEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 40 })
  event!: string;

  @Column({ type: 'text' })
  subject!: string;

  @Column({ name: 'msg_id', type: 'text', nullable: true })
  msgId!: string | null;

  @Column({ type: 'jsonb' })
  payload!: unknown;

  @Column({ type: 'text' })
  reason!: string;

  @Column({ name: 'delivery_count', type: 'int' })
  deliveryCount!: number;

  @Index('quarantine_created_at_idx')
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
