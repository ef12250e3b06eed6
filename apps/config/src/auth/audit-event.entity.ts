import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** One successful change made through the API: who, what, when, with secrets masked. */
@Entity({ name: 'audit_event' })
export class AuditEventEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Index()
  @Column({ type: 'timestamptz' })
  at!: Date;

  @Column({ type: 'text' })
  method!: string;

  @Column({ type: 'text' })
  path!: string;

  @Column({ name: 'principal_name', type: 'text' })
  principalName!: string;

  @Column({ name: 'principal_role', type: 'text' })
  principalRole!: string;

  @Column({ type: 'int' })
  status!: number;

  @Column({ name: 'target_id', type: 'text', nullable: true })
  targetId!: string | null;

  /** The request's JSON body with every secret replaced by "***". */
  @Column({ type: 'jsonb', nullable: true })
  body!: object | null;
}
