import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { CrmType } from '@mailrouter/domain';
import type { DeploymentTrackingV1, SealedSecretV1 } from '@mailrouter/contracts';
import { ProfileEntity } from './profile.entity';

export interface DataverseConnection {
  url: string;
  tenantId: string;
  clientId: string;
  authority?: string;
}

/** One CRM organisation with its default incoming and outgoing profiles. */
@Entity({ name: 'deployment' })
export class DeploymentEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 200, unique: true })
  name!: string;

  @Column({ name: 'crm_type', type: 'varchar', length: 32 })
  crmType!: CrmType;

  /** Dataverse only: environment URL, tenant, client id, token authority (the secret is apart, sealed). */
  @Column({ name: 'crm_connection', type: 'jsonb', nullable: true })
  crmConnection!: DataverseConnection | null;

  /** Dataverse only: the client secret, sealed; never shown. */
  @Column({ name: 'crm_client_secret', type: 'jsonb', nullable: true })
  crmClientSecret!: SealedSecretV1 | null;

  /** The full DeploymentTrackingV1 settings (`{}` for rows made before them: the defaults). */
  @Column({ type: 'jsonb', default: () => "'{}'" })
  tracking!: Partial<DeploymentTrackingV1>;

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

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
