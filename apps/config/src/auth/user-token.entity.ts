import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { UserEntity } from './user.entity';

export type TokenKind = 'session' | 'api';

/**
 * A bearer token of a user: a console session (from sign-in) or a named API token. Only the
 * SHA-256 of the token is stored; the token itself is shown once and never again.
 */
@Entity({ name: 'user_token' })
export class UserTokenEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Index()
  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: UserEntity;

  @Column({ type: 'text' })
  kind!: TokenKind;

  /** The API token's name; sessions have none. */
  @Column({ type: 'text', nullable: true })
  name!: string | null;

  /** Hex SHA-256 of the token. */
  @Column({ name: 'token_hash', type: 'text', unique: true })
  tokenHash!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt!: Date | null;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt!: Date | null;
}
