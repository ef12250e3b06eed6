import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { Role } from './permissions';

/** A person who signs in to the console or the API, with one role. */
@Entity({ name: 'app_user' })
export class UserEntity {
  @PrimaryColumn('uuid')
  id!: string;

  /** Unique, compared lower-cased (stored as given for display). */
  @Column({ type: 'text' })
  username!: string;

  @Column({ name: 'username_key', type: 'text', unique: true })
  usernameKey!: string;

  @Column({ type: 'text' })
  role!: Role;

  /** `scrypt$N$r$p$salt$hash` (see password-hash.ts); never the password. */
  @Column({ name: 'password_hash', type: 'text' })
  passwordHash!: string;

  @Column({ type: 'boolean', default: false })
  disabled!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
