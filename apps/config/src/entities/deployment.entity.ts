import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { CrmType } from '@mailrouter/domain';
import { ProfileEntity } from './profile.entity';

/** One CRM organisation with its default incoming and outgoing profiles. */
@Entity({ name: 'deployment' })
export class DeploymentEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 200, unique: true })
  name!: string;

  @Column({ name: 'crm_type', type: 'varchar', length: 32 })
  crmType!: CrmType;

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
