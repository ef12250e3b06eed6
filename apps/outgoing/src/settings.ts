/**
 * outgoing's environment (besides DATABASE_URL / DATABASE_POOL_SIZE, NATS_URL / NATS_PREFIX,
 * PORT=3003, LOG_LEVEL, read by the shared libs):
 *
 * | variable                    | default  | meaning |
 * | --------------------------- | -------- | ------- |
 * | ROUTER_SECRET_KEY           | required | 32 bytes (base64 or 64 hex digits): the current key; opens the sealed SMTP passwords of the published configuration |
 * | ROUTER_SECRET_KEY_ID        | derived  | the current key's id (default: 8 hex of SHA-256 over the key) |
 * | ROUTER_SECRET_KEYS_PREVIOUS | none     | older keys, comma-separated `id:key` or bare keys: open what they sealed, during a rotation |
 * | SEND_MAX_ATTEMPTS           | 5        | delivery attempts of one email before it is reported failed (transient failures, unknown mailbox) |
 * | SEND_RETRY_INITIAL_MS       | 30000    | delay before the second attempt after a transient failure |
 * | SEND_RETRY_MAX_MS           | 900000   | longest delay between attempts (15 min) |
 * | SEND_RETRY_FACTOR           | 2        | growth of the delay per attempt |
 * | SEND_CONCURRENCY            | 16       | send commands handled at once per replica (4 × the SMTP profile's default pool of 4: commands wait on the database and NATS as much as on SMTP) |
 * | SEND_ATTEMPT_LEASE_MS       | 30000    | lease of a running attempt, renewed every third of it while the server is talked to; an attempt whose lease ran out was left by a crashed process: the next delivery sends again, flagged possible duplicate |
 * | SEND_IN_FLIGHT_RECHECK_MS   | 5000     | when another replica is sending the same email right now, look again after this long |
 * | SMTP_POOL_IDLE_MS           | 60000    | a pooled SMTP transport unused this long is closed |
 */
import { z } from 'zod';
import type { BackoffPolicy } from '@mailrouter/domain';
import { intFromEnv, parseEnv, SecretKeyring, secretKeyringFromEnv, secretsEnv } from '@mailrouter/platform';

export const OUTGOING_SETTINGS = Symbol('OUTGOING_SETTINGS');

export const outgoingEnv = secretsEnv.extend({
  SEND_MAX_ATTEMPTS: intFromEnv(5),
  SEND_RETRY_INITIAL_MS: intFromEnv(30_000),
  SEND_RETRY_MAX_MS: intFromEnv(900_000),
  SEND_RETRY_FACTOR: z.coerce.number().min(1).max(10).default(2),
  SEND_CONCURRENCY: intFromEnv(16),
  SEND_ATTEMPT_LEASE_MS: intFromEnv(30_000),
  SEND_IN_FLIGHT_RECHECK_MS: intFromEnv(5_000),
  SMTP_POOL_IDLE_MS: intFromEnv(60_000),
});

export interface OutgoingSettings {
  /** ROUTER_SECRET_KEY (+ previous keys). Never log the keys. */
  secretKey: SecretKeyring;
  maxAttempts: number;
  retry: BackoffPolicy;
  concurrency: number;
  attemptLeaseMs: number;
  inFlightRecheckMs: number;
  poolIdleMs: number;
}

export function outgoingSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): OutgoingSettings {
  const e = parseEnv(outgoingEnv, env);
  let secretKey: SecretKeyring;
  try {
    secretKey = secretKeyringFromEnv(e);
  } catch (err) {
    throw new Error(`ROUTER_SECRET_KEY: ${(err as Error).message}`);
  }
  return {
    secretKey,
    maxAttempts: e.SEND_MAX_ATTEMPTS,
    retry: { initialMs: e.SEND_RETRY_INITIAL_MS, maxMs: e.SEND_RETRY_MAX_MS, factor: e.SEND_RETRY_FACTOR },
    concurrency: e.SEND_CONCURRENCY,
    attemptLeaseMs: e.SEND_ATTEMPT_LEASE_MS,
    inFlightRecheckMs: e.SEND_IN_FLIGHT_RECHECK_MS,
    poolIdleMs: e.SMTP_POOL_IDLE_MS,
  };
}
