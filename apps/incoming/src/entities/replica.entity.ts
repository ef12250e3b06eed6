import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One running incoming replica: its heartbeat decides how many mailboxes each replica serves. */
@Entity({ name: 'replica' })
export class ReplicaEntity {
  @PrimaryColumn({ name: 'replica_id', type: 'varchar', length: 200 })
  replicaId!: string;

  @Column({ name: 'started_at', type: 'timestamptz', default: () => 'now()' })
  startedAt!: Date;

  /** Renewed every tick; a replica silent for REPLICA_TTL_SECONDS is not counted as live. */
  @Column({ name: 'heartbeat_at', type: 'timestamptz', default: () => 'now()' })
  heartbeatAt!: Date;
}
