import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type {
  AuthType, CredentialSource, Direction, MailboxAccess, Protocol, Security, SendAccess,
} from '@mailrouter/domain';
import type { SealedSecretV1 } from '@mailrouter/contracts';

/** An `ews` profile's server: its EWS URL, or Autodiscover (from each mailbox's domain or `autodiscoverUrl`). */
export interface StoredEwsSettings {
  url?: string;
  autodiscover: boolean;
  autodiscoverUrl?: string;
  /** Only with credentials 'profile': how the profile's account opens each mailbox. */
  mailboxAccess?: MailboxAccess;
}

/** A `graph` profile's app registration; its client secret and certificate key are stored apart, sealed. */
export interface StoredGraphSettings {
  tenantId?: string;
  clientId?: string;
  /** The certificate's thumbprint (its private key is `graphPrivateKey`). */
  certificateThumbprint?: string;
  authority?: string;
  baseUrl?: string;
}

/** How to reach a mail server in one direction. Passwords and keys are stored sealed only. */
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

  /** NTLM only: the Windows domain. */
  @Column({ name: 'auth_domain', type: 'varchar', length: 255, nullable: true })
  authDomain!: string | null;

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

  /** Protocol `ews` only. */
  @Column({ type: 'jsonb', nullable: true })
  ews!: StoredEwsSettings | null;

  /** Protocol `graph` only. */
  @Column({ type: 'jsonb', nullable: true })
  graph!: StoredGraphSettings | null;

  @Column({ name: 'graph_client_secret', type: 'jsonb', nullable: true })
  graphClientSecret!: SealedSecretV1 | null;

  /** The PEM private key of the Graph certificate. */
  @Column({ name: 'graph_private_key', type: 'jsonb', nullable: true })
  graphPrivateKey!: SealedSecretV1 | null;

  /** Outgoing ews/graph only. */
  @Column({ name: 'send_access', type: 'varchar', length: 16, nullable: true })
  sendAccess!: SendAccess | null;

  /** Outgoing ews/graph: the profile account's own address (the Sender when sending on behalf). */
  @Column({ name: 'sending_account', type: 'varchar', length: 254, nullable: true })
  sendingAccount!: string | null;

  /** Incoming imap/ews/graph: where a message goes after its verdict (instead of being marked read). */
  @Column({ name: 'processed_folder', type: 'varchar', length: 255, nullable: true })
  processedFolder!: string | null;

  /** Incoming imap/pop3: the server's ManageSieve port, for rule deployment. */
  @Column({ name: 'manage_sieve_port', type: 'int', nullable: true })
  manageSievePort!: number | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
