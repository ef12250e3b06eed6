import { createHash, randomBytes } from 'node:crypto';
import type { Role } from './permissions';

/** Who is calling: resolved from the bearer token by the guard, kept on the request. */
export interface Principal {
  name: string;
  role: Role;
  /** `router-token`: ROUTER_API_TOKEN (the services, the CLI, `npm start`); `session`: signed in; `api`: a user's API token. */
  kind: 'router-token' | 'session' | 'api';
  userId?: string;
  tokenId?: string;
}

/** The request as the guard, the controllers and the audit interceptor see it (Express). */
export interface AuthRequest {
  method: string;
  path: string;
  originalUrl?: string;
  ip?: string;
  headers: Record<string, string | string[] | undefined>;
  params?: Record<string, string>;
  body?: unknown;
  route?: { path?: unknown };
  principal?: Principal;
}

/** 32 random bytes, base64url: a session or API token. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** What the database keeps of a token. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function bearerOf(req: AuthRequest): string | undefined {
  const header = req.headers['authorization'];
  const value = Array.isArray(header) ? header[0] : header;
  const match = /^Bearer\s+(\S.*)$/i.exec(value ?? '');
  return match?.[1]?.trim();
}

/** The matched route's pattern (`/api/v1/profiles/:id`), so a path parameter can never change the rule. */
export function routePathOf(req: AuthRequest): string {
  return typeof req.route?.path === 'string' ? req.route.path : req.path;
}
