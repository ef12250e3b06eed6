/**
 * The Dataverse connector's environment in crm-sync (the lead adds these to .env.example):
 *
 * | variable                        | default  | meaning |
 * | ------------------------------- | -------- | ------- |
 * | ROUTER_SECRET_KEY               | (none)   | opens the sealed client secret of a dataverse deployment and verifies forward-rule tokens (needed only when one exists) |
 * | ROUTER_SECRET_KEY_ID            | (derived)| the current key's id (default: 8 hex of SHA-256 over the key) |
 * | ROUTER_SECRET_KEYS_PREVIOUS     | (none)   | older keys, comma-separated `id:key` or bare keys: open what they sealed, verify tokens they signed |
 * | DATAVERSE_MAX_THROTTLE_RETRIES  | 5        | 429 answers waited out per Web API request before it fails (and the flow retries later) |
 * | DATAVERSE_MAX_RETRY_AFTER_MS    | 60000    | longest Retry-After waited in place; a longer one fails the request at once |
 * | DATAVERSE_MAX_SERVER_RETRIES    | 3        | 5xx / network failures retried per request |
 * | DATAVERSE_SERVER_BACKOFF_MS     | 500      | first backoff after a 5xx, doubled each time |
 * | DATAVERSE_REQUEST_TIMEOUT_MS    | 30000    | one Web API or token request longer than this fails |
 */
import { z } from 'zod';
import type { RetryPolicy } from '@mailrouter/crm-dataverse';
import { intFromEnv, parseEnv, type SecretKeyring, secretKeyringFromEnv } from '@mailrouter/platform';

export const CONNECTOR_SETTINGS = Symbol('CONNECTOR_SETTINGS');

export const connectorsEnv = z.object({
  ROUTER_SECRET_KEY: z.string().optional(),
  ROUTER_SECRET_KEY_ID: z.string().optional(),
  ROUTER_SECRET_KEYS_PREVIOUS: z.string().optional(),
  DATAVERSE_MAX_THROTTLE_RETRIES: intFromEnv(5),
  DATAVERSE_MAX_RETRY_AFTER_MS: intFromEnv(60_000),
  DATAVERSE_MAX_SERVER_RETRIES: intFromEnv(3),
  DATAVERSE_SERVER_BACKOFF_MS: intFromEnv(500),
  DATAVERSE_REQUEST_TIMEOUT_MS: intFromEnv(30_000),
});

export interface ConnectorSettings {
  /**
   * The keyring's variables as given, decoded when first needed (connectorKeyring): crm-sync
   * needs a key only for a dataverse deployment or a forward mailbox, so a missing or bad one
   * fails those, not the service.
   */
  secretKey?: { ROUTER_SECRET_KEY: string; ROUTER_SECRET_KEY_ID?: string; ROUTER_SECRET_KEYS_PREVIOUS?: string };
  dataverseRetry: RetryPolicy;
}

export function connectorSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): ConnectorSettings {
  const e = parseEnv(connectorsEnv, env);
  return {
    secretKey: e.ROUTER_SECRET_KEY
      ? { ROUTER_SECRET_KEY: e.ROUTER_SECRET_KEY, ROUTER_SECRET_KEY_ID: e.ROUTER_SECRET_KEY_ID, ROUTER_SECRET_KEYS_PREVIOUS: e.ROUTER_SECRET_KEYS_PREVIOUS }
      : undefined,
    dataverseRetry: {
      maxThrottleRetries: e.DATAVERSE_MAX_THROTTLE_RETRIES,
      maxRetryAfterMs: e.DATAVERSE_MAX_RETRY_AFTER_MS,
      maxServerRetries: e.DATAVERSE_MAX_SERVER_RETRIES,
      serverBackoffMs: e.DATAVERSE_SERVER_BACKOFF_MS,
      requestTimeoutMs: e.DATAVERSE_REQUEST_TIMEOUT_MS,
    },
  };
}

/** The keyring of ROUTER_SECRET_KEY (+ previous keys); undefined when unset; throws naming the bad variable. */
export function connectorKeyring(settings: ConnectorSettings): SecretKeyring | undefined {
  return settings.secretKey ? secretKeyringFromEnv(settings.secretKey) : undefined;
}
