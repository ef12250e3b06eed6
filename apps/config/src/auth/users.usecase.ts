import { Injectable, Logger, OnApplicationBootstrap, Inject } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { isUniqueViolation } from '../shared/db-errors';
import { conflict, notFound } from '../shared/http-errors';
import { CONFIG_SETTINGS, ConfigSettings } from '../settings';
import { hashPassword } from './password-hash';
import type { Role } from './permissions';
import { newToken, Principal, tokenHash } from './principal';
import { UserTokenEntity } from './user-token.entity';
import { UserEntity } from './user.entity';
import { UserRepository } from './user.repository';

export const userView = (u: UserEntity) => ({
  id: u.id, username: u.username, role: u.role, disabled: u.disabled, createdAt: u.createdAt, updatedAt: u.updatedAt,
});

/** An API token as listed: never the token itself (only its hash is stored). */
export const tokenView = (t: UserTokenEntity) => ({
  id: t.id, name: t.name, createdAt: t.createdAt, expiresAt: t.expiresAt, lastUsedAt: t.lastUsedAt,
});

@Injectable()
export class UsersUseCase implements OnApplicationBootstrap {
  private readonly logger = new Logger('Users');

  constructor(
    @Inject(CONFIG_SETTINGS) private readonly settings: ConfigSettings,
    private readonly users: UserRepository,
  ) {}

  /** ROUTER_ADMIN_USER + ROUTER_ADMIN_PASSWORD: the first admin, only while there is no user at all. */
  async onApplicationBootstrap(): Promise<void> {
    const admin = this.settings.auth.bootstrapAdmin;
    if (!admin || (await this.users.count()) > 0) return;
    try {
      await this.create({ username: admin.username, role: 'admin', password: admin.password });
      this.logger.log(`created the first admin "${admin.username}" (ROUTER_ADMIN_USER)`);
    } catch (err) {
      // Another replica created it first.
      if (!(err instanceof Error && /already exists/.test(err.message))) throw err;
    }
  }

  async list() {
    return (await this.users.list()).map(userView);
  }

  async get(id: string) {
    return userView(await this.existing(id));
  }

  async create(input: { username: string; role: Role; password: string }) {
    const user = Object.assign(new UserEntity(), {
      id: randomUUID(), username: input.username.trim(), usernameKey: input.username.trim().toLowerCase(), role: input.role,
      passwordHash: await hashPassword(input.password), disabled: false,
    });
    try {
      return userView(await this.users.insert(user));
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict(`A user named "${user.username}" already exists`);
      throw err;
    }
  }

  /** Role, password or disabled; a new password or disabling ends the user's sessions. */
  async update(id: string, input: { role?: Role; password?: string; disabled?: boolean }, by: Principal) {
    const user = await this.existing(id);
    if (by.userId === user.id && (input.disabled === true || (input.role && input.role !== 'admin'))) {
      throw conflict('You cannot disable yourself or take away your own admin role; another admin can');
    }
    await this.users.update(user.id, {
      ...(input.role && { role: input.role }),
      ...(input.disabled !== undefined && { disabled: input.disabled }),
      ...(input.password !== undefined && { passwordHash: await hashPassword(input.password) }),
    });
    if (input.password !== undefined || input.disabled === true) await this.users.deleteSessions(user.id);
    return this.get(user.id);
  }

  async remove(id: string, by: Principal): Promise<void> {
    const user = await this.existing(id);
    if (by.userId === user.id) throw conflict('You cannot delete yourself; another admin can');
    await this.users.remove(user.id);
  }

  async listTokens(userId: string) {
    await this.existing(userId);
    return (await this.users.listApiTokens(userId)).map(tokenView);
  }

  /** The token is in this answer and nowhere else, ever. */
  async createToken(userId: string, input: { name: string; expiresAt?: Date }) {
    await this.existing(userId);
    const token = newToken();
    const saved = await this.users.insertToken(Object.assign(new UserTokenEntity(), {
      id: randomUUID(), userId, kind: 'api', name: input.name, tokenHash: tokenHash(token), expiresAt: input.expiresAt ?? null, lastUsedAt: null,
    }));
    return { ...tokenView(saved), token };
  }

  async revokeToken(userId: string, tokenId: string): Promise<void> {
    await this.existing(userId);
    if (!(await this.users.deleteToken(userId, tokenId, 'api'))) throw notFound('API token', tokenId);
  }

  private async existing(id: string): Promise<UserEntity> {
    const user = await this.users.find(id);
    if (!user) throw notFound('user', id);
    return user;
  }
}
