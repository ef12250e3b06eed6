import { HttpException, HttpStatus, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { CONFIG_SETTINGS, ConfigSettings } from '../settings';
import { dummyHash, verifyPassword } from './password-hash';
import { permissionsOf } from './permissions';
import { newToken, Principal, tokenHash } from './principal';
import { FailureLimiter } from './rate-limiter';
import { UserTokenEntity } from './user-token.entity';
import { UserRepository } from './user.repository';

/** last_used_at is written at most this often per token: a request is not a database write. */
const TOUCH_EVERY_MS = 60_000;

export class TooManyAttempts extends HttpException {
  constructor(readonly retryAfterSeconds: number, what: string) {
    super(
      { statusCode: 429, error: 'Too Many Requests', message: `Too many ${what}; try again in ${retryAfterSeconds} s`, retryAfterSeconds },
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}

function unauthorized(message: string): UnauthorizedException {
  return new UnauthorizedException({ statusCode: 401, error: 'Unauthorized', message });
}

const digest = (s: string) => createHash('sha256').update(s).digest();

@Injectable()
export class AuthUseCase {
  private readonly routerToken: Buffer;
  private readonly loginFailures: FailureLimiter;
  private readonly tokenFailures: FailureLimiter;

  constructor(
    @Inject(CONFIG_SETTINGS) private readonly settings: ConfigSettings,
    private readonly users: UserRepository,
  ) {
    this.routerToken = digest(settings.apiToken);
    const windowMs = settings.auth.failureWindowMinutes * 60_000;
    this.loginFailures = new FailureLimiter(settings.auth.loginMaxFailures, windowMs);
    this.tokenFailures = new FailureLimiter(settings.auth.tokenMaxFailures, windowMs);
  }

  /** The principal behind a bearer token; 401 when it is missing, unknown, expired or its user disabled. */
  async resolveBearer(bearer: string | undefined, ip: string): Promise<Principal> {
    if (!bearer) throw unauthorized('Missing API token or session (Authorization: Bearer …)');
    const blocked = this.tokenFailures.blockedFor(ip);
    if (blocked) throw new TooManyAttempts(blocked, 'requests with a wrong token from this address');
    if (timingSafeEqual(digest(bearer), this.routerToken)) {
      return { name: 'ROUTER_API_TOKEN', role: 'admin', kind: 'router-token' };
    }
    const found = await this.users.findTokenByHash(tokenHash(bearer));
    const problem = this.problemWith(found);
    if (problem) {
      this.tokenFailures.fail(ip);
      throw unauthorized(problem);
    }
    const token = found!;
    const now = Date.now();
    if (!token.lastUsedAt || now - token.lastUsedAt.getTime() > TOUCH_EVERY_MS) await this.users.touch(token.id, new Date(now));
    return { name: token.user!.username, role: token.user!.role, kind: token.kind, userId: token.userId, tokenId: token.id };
  }

  private problemWith(token: UserTokenEntity | null): string | undefined {
    if (!token || !token.user) return 'Unknown API token or session (Authorization: Bearer …)';
    if (token.expiresAt && token.expiresAt.getTime() <= Date.now()) {
      return token.kind === 'session' ? 'Your session has expired: sign in again' : `API token "${token.name}" has expired`;
    }
    if (token.user.disabled) return `User ${token.user.username} is disabled`;
    return undefined;
  }

  /** Username + password → a new session token (shown to the caller only, stored hashed). */
  async login(username: string, password: string, ip: string): Promise<{ token: string; expiresAt: string; principal: Principal }> {
    const key = `${username.trim().toLowerCase()}|${ip}`;
    const blocked = this.loginFailures.blockedFor(key);
    if (blocked) throw new TooManyAttempts(blocked, 'failed sign-ins for this username from this address');
    const user = await this.users.findByUsername(username);
    // An unknown username costs the same scrypt as a wrong password: timing tells nothing.
    const ok = await verifyPassword(password, user?.passwordHash ?? (await dummyHash()));
    if (!user || !ok || user.disabled) {
      this.loginFailures.fail(key);
      throw unauthorized(user?.disabled && ok ? `User ${user.username} is disabled` : 'Wrong username or password');
    }
    this.loginFailures.reset(key);
    const now = new Date();
    await this.users.deleteExpired(user.id, now);
    const token = newToken();
    const expiresAt = new Date(now.getTime() + this.settings.auth.sessionTtlMinutes * 60_000);
    const session = await this.users.insertToken(Object.assign(new UserTokenEntity(), {
      id: randomUUID(), userId: user.id, kind: 'session', name: null, tokenHash: tokenHash(token), expiresAt, lastUsedAt: now,
    }));
    return {
      token,
      expiresAt: expiresAt.toISOString(),
      principal: { name: user.username, role: user.role, kind: 'session', userId: user.id, tokenId: session.id },
    };
  }

  /** Ends the caller's session; API tokens and ROUTER_API_TOKEN are revoked elsewhere (or rotated). */
  async logout(principal: Principal): Promise<{ signedOut: boolean }> {
    if (principal.kind !== 'session' || !principal.userId || !principal.tokenId) return { signedOut: false };
    return { signedOut: await this.users.deleteToken(principal.userId, principal.tokenId, 'session') };
  }

  me(principal: Principal) {
    return { name: principal.name, role: principal.role, kind: principal.kind, permissions: permissionsOf(principal.role) };
  }
}
