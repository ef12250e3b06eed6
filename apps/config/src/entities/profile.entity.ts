import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { AuthType, CredentialSource, Direction, Protocol, Security } from '@mailrouter/domain';
import type { SealedSecretV1 } from '@mailrouter/contracts';

/** How to reach a mail server in one direction. The password is stored sealed only. */
@Entity({ name: 'profile' })
export class ProfileEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 200, unique: true })
  name!: string;

  @Column({ type: 'varchar', length: 16 })
  direction!: Direction;

  @Column({ type: 'varchar', length: 16 })
  protocol!: Protocol;

  @Column({ type: 'varchar', length: 255 })
  host!: string;

  @Column({ type: 'int' })
  port!: number;

  @Column({ type: 'varchar', length: 16 })
  security!: Security;

  @Column({ name: 'auth_type', type: 'varchar', length: 16 })
  authType!: AuthType;

  @Column({ type: 'varchar', length: 16 })
  credentials!: CredentialSource;

  @Column({ type: 'varchar', length: 320, nullable: true })
  username!: string | null;

  @Column({ type: 'jsonb', nullable: true })
  password!: SealedSecretV1 | null;

  /** Incoming profiles only. */
  @Column({ name: 'poll_interval_seconds', type: 'int', nullable: true })
  pollIntervalSeconds!: number | null;

  @Column({ name: 'max_connections', type: 'int' })
  maxConnections!: number;

  @Column({ name: 'allow_invalid_certificates', type: 'boolean', default: false })
  allowInvalidCertificates!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
