// What the signed-in principal may do. Today the API token is the administrator and may do
// everything; when the API offers `/api/v1/me` (users, roles, per-user tokens) its answer
// `{ name, role, permissions: ['profiles.write', …] }` narrows this, and buttons ask `can(action)`.
import { api } from './api.js';

/** Every action the console guards. */
export const ACTIONS = [
  'profiles.write', 'deployments.write', 'deployments.load-data', 'mailboxes.write', 'mailboxes.test-access',
  'mailboxes.rules', 'publish', 'trace.read', 'status.read',
];

let principal = { name: 'API token', role: 'administrator', permissions: null };

export function can(action) {
  return principal.permissions === null || principal.permissions.includes(action);
}

export function currentPrincipal() {
  return principal;
}

/** Checks the token (a 401 throws) and learns its permissions where the API says them. */
export async function signInWith(token) {
  await api('GET', '/api/v1/profiles', undefined, token);
  try {
    const me = await api('GET', '/api/v1/me', undefined, token);
    principal = { name: me.name ?? 'signed in', role: me.role ?? 'user', permissions: Array.isArray(me.permissions) ? me.permissions : null };
  } catch (err) {
    // 404: no user model yet, the API token is the administrator.
    if (err.status !== 404) throw err;
    principal = { name: 'API token', role: 'administrator', permissions: null };
  }
  return principal;
}
