// What the signed-in principal may do: `GET /api/v1/me` answers `{ name, role, permissions }`
// (admin, operator or viewer; the API token ROUTER_API_TOKEN is an admin) and buttons ask
// `can(action)`. The API refuses what a role may not do anyway (403); hiding is for clarity.
import { api, session } from './api.js';

/** Every action the console guards (the API's auth/permissions.ts ACTIONS). */
export const ACTIONS = [
  'profiles.write', 'deployments.write', 'deployments.load-data', 'mailboxes.write', 'mailboxes.test-access',
  'mailboxes.rules', 'mailboxes.backfill', 'mailboxes.enable', 'publish', 'quarantine.write', 'trace.read',
  'status.read', 'audit.read', 'users.manage', 'secrets.write',
];

let principal = { name: 'API token', role: 'admin', permissions: null };

export function can(action) {
  return principal.permissions === null || principal.permissions.includes(action);
}

export function currentPrincipal() {
  return principal;
}

function learn(me) {
  principal = { name: me.name ?? 'signed in', role: me.role ?? 'user', permissions: Array.isArray(me.permissions) ? me.permissions : null };
  return principal;
}

/** Checks a token (an API token or a stored session; a 401 throws) and learns its permissions. */
export async function signInWith(token) {
  await api('GET', '/api/v1/profiles', undefined, token);
  try {
    return learn(await api('GET', '/api/v1/me', undefined, token));
  } catch (err) {
    // 404: an API without users; the API token is the administrator.
    if (err.status !== 404) throw err;
    principal = { name: 'API token', role: 'admin', permissions: null };
    return principal;
  }
}

/** Username + password → a session token kept in this tab (sessionStorage), like an API token. */
export async function signInWithPassword(username, password) {
  const answer = await api('POST', '/api/v1/auth/login', { username, password }, null);
  session.signIn(answer.token);
  return learn(answer);
}

/** Ends the session on the server (an API token is not revoked by signing out) and forgets it here. */
export async function signOut() {
  const token = session.token;
  session.signOut();
  principal = { name: 'API token', role: 'admin', permissions: null };
  if (token) await api('POST', '/api/v1/auth/logout', {}, token).catch(() => undefined);
}
