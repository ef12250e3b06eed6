import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A consumed event that could never be handled, kept with its reason (never dropped silently). */
@Entity({ name: 'quarantined_event' })
export class QuarantinedEventEntity {
  @PrimaryGeneratedColumn({ name: 'id', type: 'bigint' })
  id!: string;

  @Column({ name: 'event', type: 'varchar', length: 64 })
  event!: string;

  @Column({ name: 'msg_id', type: 'varchar', length: 400, nullable: true })
  msgId!: string | null;

  @Column({ name: 'payload', type: 'jsonb' })
  payload!: unknown;

  @Column({ name: 'reason', type: 'text' })
  reason!: string;

  @Column({ name: 'delivery_count', type: 'int' })
  deliveryCount!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
