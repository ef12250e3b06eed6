import { Column, CreateDateColumn, Entity, Generated, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';

/**
 * The built-in CRM's records. Every address is stored normalised (normalizeAddress), so a
 * match is a plain equality: display names never decide who a party is.
 */

@Entity({ name: 'crm_user' })
export class CrmUserEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'full_name', type: 'text' })
  fullName!: string;

  @Index('crm_user_email_uq', { unique: true })
  @Column({ type: 'text' })
  email!: string;

  /** all | responses | crm-records | email-enabled */
  @Column({ name: 'incoming_tracking', type: 'varchar', length: 20, default: 'all' })
  incomingTracking!: string;

  @Column({ name: 'email_router', type: 'boolean', default: true })
  emailRouter!: boolean;

  /** The address was approved by a CRM administrator: mail for an unapproved one is not processed. */
  @Column({ name: 'email_address_approved', type: 'boolean', default: true })
  emailAddressApproved!: boolean;

  /** The user's number in tracking tokens. */
  @Column({ name: 'user_number', type: 'int' })
  @Generated('increment')
  userNumber!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

@Entity({ name: 'crm_queue' })
export class CrmQueueEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  @Index('crm_queue_email_uq', { unique: true })
  @Column({ type: 'text' })
  email!: string;

  /** all | responses | crm-records | email-enabled | none */
  @Column({ name: 'incoming_tracking', type: 'varchar', length: 20, default: 'all' })
  incomingTracking!: string;

  @Column({ name: 'email_router', type: 'boolean', default: true })
  emailRouter!: boolean;

  /** The address was approved by a CRM administrator: mail for an unapproved one is not processed. */
  @Column({ name: 'email_address_approved', type: 'boolean', default: true })
  emailAddressApproved!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

@Entity({ name: 'account' })
export class AccountEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  @Index('account_email_idx')
  @Column({ type: 'text', nullable: true })
  email!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

@Entity({ name: 'contact' })
export class ContactEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'full_name', type: 'text' })
  fullName!: string;

  @Index('contact_email_idx')
  @Column({ type: 'text' })
  email!: string;

  @Column({ name: 'account_id', type: 'uuid', nullable: true })
  accountId!: string | null;

  @ManyToOne(() => AccountEntity, { nullable: true, onDelete: 'SET NULL' })
  @JoinColumn({ name: 'account_id' })
  account?: AccountEntity | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

@Entity({ name: 'lead' })
export class LeadEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'full_name', type: 'text' })
  fullName!: string;

  @Index('lead_email_idx')
  @Column({ type: 'text' })
  email!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
