/**
 * Roles and what they may do, in one place: the guard authorises every route by RULE (method
 * and path shape), so a route added later is covered without being listed here, and the
 * console's `can(action)` gets its permissions from the same table.
 */
export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

export function roleAtLeast(role: Role, needed: Role): boolean {
  return RANK[role] >= RANK[needed];
}

/**
 * POSTs an operator may make: running the router (test access, load data, publish, rollback,
 * rule deployment, quarantine, backfill, re-enabling a mailbox), never editing what it runs.
 * Matched against the END of the route's path, so `/api/v1/mailboxes/:id/test-access` and a
 * future `/api/v1/foo/:id/reprocess` both qualify.
 */
export const OPERATOR_POST_SUFFIXES = [
  '/test-access', '/test-access/jobs', '/load-data', '/publish', '/rollback', '/rules/deploy',
  '/reprocess', '/discard', '/attach', '/backfill', '/enable',
] as const;

/** Routes that need no bearer at all (the login itself, and what is not the API). */
export function isOpenRoute(path: string): boolean {
  return path === '/api/v1/auth/login' || !/^\/api(\/|$)/.test(path);
}

/** Lower-cases nothing (routes are case-sensitive) but drops the query and trailing slashes. */
export function normalisePath(path: string): string {
  const bare = path.split('?')[0] ?? '';
  return bare.length > 1 ? bare.replace(/\/+$/, '') : bare;
}

/** The least role a request needs, by rule. */
export function requiredRole(method: string, rawPath: string): Role {
  const path = normalisePath(rawPath);
  const m = method.toUpperCase();
  if (/^\/api\/v1\/users(\/|$)/.test(path)) return 'admin';
  if (/^\/api\/v1\/audit(\/|$)/.test(path)) return m === 'GET' || m === 'HEAD' ? 'operator' : 'admin';
  if (m === 'GET' || m === 'HEAD' || m === 'OPTIONS') return 'viewer';
  // Signing out ends the caller's own session: anyone signed in may.
  if (m === 'POST' && path === '/api/v1/auth/logout') return 'viewer';
  if (m === 'POST' && OPERATOR_POST_SUFFIXES.some((s) => path.endsWith(s))) return 'operator';
  return 'admin';
}

/** Every action the console guards (`public/lib/access.js` ACTIONS). */
export const ACTIONS = [
  'profiles.write', 'deployments.write', 'deployments.load-data', 'mailboxes.write', 'mailboxes.test-access',
  'mailboxes.rules', 'mailboxes.backfill', 'mailboxes.enable', 'publish', 'quarantine.write', 'trace.read',
  'status.read', 'audit.read', 'users.manage', 'secrets.write',
] as const;
export type Action = (typeof ACTIONS)[number];

const VIEWER: Action[] = ['trace.read', 'status.read'];
const OPERATOR: Action[] = [
  ...VIEWER, 'deployments.load-data', 'mailboxes.test-access', 'mailboxes.rules', 'mailboxes.backfill', 'mailboxes.enable',
  'publish', 'quarantine.write', 'audit.read',
];

export function permissionsOf(role: Role): Action[] {
  if (role === 'admin') return [...ACTIONS];
  return role === 'operator' ? [...OPERATOR] : [...VIEWER];
}
