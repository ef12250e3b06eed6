/** Keys whose values never reach the audit log: passwords, client secrets, private keys, tokens. */
const SECRET_KEY = /password|secret|token|privatekey/i;

/**
 * A copy of a JSON body with every secret value replaced by "***". An object under a secret-looking
 * key (`tracking.token` holds settings, not a token) is walked instead, so its own secrets are
 * masked and its plain settings stay readable; `null` (clearing a secret) stays `null`.
 */
export function maskSecrets(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => maskSecrets(v, key));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, maskSecrets(v, k)]));
  }
  if (value === null || value === undefined) return value;
  return SECRET_KEY.test(key) ? '***' : value;
}
