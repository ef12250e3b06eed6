import {
  Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, UpdateDateColumn,
} from 'typeorm';
import type { MailboxKind, TestStatus } from '@mailrouter/domain';
import type { SealedSecretV1 } from '@mailrouter/contracts';
import { DeploymentEntity } from './deployment.entity';
import { ProfileEntity } from './profile.entity';

/** A user's, a queue's or a forward mailbox, with its last test-access results. */
@Entity({ name: 'mailbox' })
@Index('UQ_mailbox_deployment_address', ['deploymentId', 'address'], { unique: true })
export class MailboxEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ name: 'deployment_id', type: 'uuid' })
  deploymentId!: string;

  @ManyToOne(() => DeploymentEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'deployment_id' })
  deployment?: DeploymentEntity;

  @Column({ type: 'varchar', length: 16 })
  kind!: MailboxKind;

  /** Normalised (lower-case) addr-spec. */
  @Column({ type: 'varchar', length: 254 })
  address!: string;

  @Column({ type: 'varchar', length: 200, nullable: true })
  name!: string | null;

  @Column({ name: 'crm_id', type: 'varchar', length: 200, nullable: true })
  crmId!: string | null;

  @Column({ type: 'varchar', length: 320, nullable: true })
  username!: string | null;

  @Column({ type: 'jsonb', nullable: true })
  password!: SealedSecretV1 | null;

  @Column({ name: 'incoming_profile_id', type: 'uuid', nullable: true })
  incomingProfileId!: string | null;

  @ManyToOne(() => ProfileEntity, { onDelete: 'RESTRICT', nullable: true })
  @JoinColumn({ name: 'incoming_profile_id' })
  incomingProfile?: ProfileEntity;

  @Column({ name: 'outgoing_profile_id', type: 'uuid', nullable: true })
  outgoingProfileId!: string | null;

  @ManyToOne(() => ProfileEntity, { onDelete: 'RESTRICT', nullable: true })
  @JoinColumn({ name: 'outgoing_profile_id' })
  outgoingProfile?: ProfileEntity;

  @Column({ name: 'delete_after_processing', type: 'boolean', default: false })
  deleteAfterProcessing!: boolean;

  @Column({ type: 'boolean', default: true })
  enabled!: boolean;

  @Column({ name: 'incoming_test_status', type: 'varchar', length: 16, default: 'not-run' })
  incomingTestStatus!: TestStatus;

  @Column({ name: 'incoming_test_message', type: 'text', default: '' })
  incomingTestMessage!: string;

  @Column({ name: 'incoming_tested_at', type: 'timestamptz', nullable: true })
  incomingTestedAt!: Date | null;

  @Column({ name: 'outgoing_test_status', type: 'varchar', length: 16, default: 'not-run' })
  outgoingTestStatus!: TestStatus;

  @Column({ name: 'outgoing_test_message', type: 'text', default: '' })
  outgoingTestMessage!: string;

  @Column({ name: 'outgoing_tested_at', type: 'timestamptz', nullable: true })
  outgoingTestedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
