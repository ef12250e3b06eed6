import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, Repository } from 'typeorm';
import { isUuid } from '../shared/http-errors';
import { UserTokenEntity } from './user-token.entity';
import { UserEntity } from './user.entity';

/** Users and their bearer tokens (stored as SHA-256 only). */
@Injectable()
export class UserRepository {
  constructor(
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    @InjectRepository(UserTokenEntity) private readonly tokens: Repository<UserTokenEntity>,
  ) {}

  count(): Promise<number> {
    return this.users.count();
  }

  list(): Promise<UserEntity[]> {
    return this.users.find({ order: { usernameKey: 'ASC' } });
  }

  find(id: string): Promise<UserEntity | null> {
    return isUuid(id) ? this.users.findOneBy({ id }) : Promise.resolve(null);
  }

  findByUsername(username: string): Promise<UserEntity | null> {
    return this.users.findOneBy({ usernameKey: username.trim().toLowerCase() });
  }

  async insert(user: UserEntity): Promise<UserEntity> {
    await this.users.insert(user);
    return (await this.find(user.id))!;
  }

  async update(id: string, changes: Partial<Pick<UserEntity, 'role' | 'passwordHash' | 'disabled'>>): Promise<void> {
    await this.users.update({ id }, changes);
  }

  async remove(id: string): Promise<void> {
    await this.users.delete({ id });
  }

  async insertToken(token: UserTokenEntity): Promise<UserTokenEntity> {
    await this.tokens.insert(token);
    return (await this.tokens.findOneBy({ id: token.id }))!;
  }

  /** The token with its user, by the token's hash. */
  findTokenByHash(tokenHash: string): Promise<UserTokenEntity | null> {
    return this.tokens.findOne({ where: { tokenHash }, relations: { user: true } });
  }

  listApiTokens(userId: string): Promise<UserTokenEntity[]> {
    return this.tokens.find({ where: { userId, kind: 'api' }, order: { createdAt: 'ASC' } });
  }

  async deleteToken(userId: string, tokenId: string, kind: UserTokenEntity['kind']): Promise<boolean> {
    if (!isUuid(tokenId)) return false;
    return ((await this.tokens.delete({ id: tokenId, userId, kind })).affected ?? 0) > 0;
  }

  async deleteSessions(userId: string): Promise<void> {
    await this.tokens.delete({ userId, kind: 'session' });
  }

  async deleteExpired(userId: string, now: Date): Promise<void> {
    await this.tokens.delete({ userId, expiresAt: LessThan(now) });
  }

  async touch(tokenId: string, at: Date): Promise<void> {
    await this.tokens.update({ id: tokenId }, { lastUsedAt: at });
  }
}
