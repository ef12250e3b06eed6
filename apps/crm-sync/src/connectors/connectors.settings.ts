/**
 * The Dataverse connector's environment in crm-sync (the lead adds these to .env.example):
 *
 * | variable                        | default  | meaning |
 * | ------------------------------- | -------- | ------- |
 * | ROUTER_SECRET_KEY               | (none)   | opens the sealed client secret of a dataverse deployment (needed only when one exists) |
 * | DATAVERSE_MAX_THROTTLE_RETRIES  | 5        | 429 answers waited out per Web API request before it fails (and the flow retries later) |
 * | DATAVERSE_MAX_RETRY_AFTER_MS    | 60000    | longest Retry-After waited in place; a longer one fails the request at once |
 * | DATAVERSE_MAX_SERVER_RETRIES    | 3        | 5xx / network failures retried per request |
 * | DATAVERSE_SERVER_BACKOFF_MS     | 500      | first backoff after a 5xx, doubled each time |
 * | DATAVERSE_REQUEST_TIMEOUT_MS    | 30000    | one Web API or token request longer than this fails |
 */
import { z } from 'zod';
import type { RetryPolicy } from '@mailrouter/crm-dataverse';
import { intFromEnv, parseEnv } from '@mailrouter/platform';

export const CONNECTOR_SETTINGS = Symbol('CONNECTOR_SETTINGS');

const connectorsEnv = z.object({
  ROUTER_SECRET_KEY: z.string().optional(),
  DATAVERSE_MAX_THROTTLE_RETRIES: intFromEnv(5),
  DATAVERSE_MAX_RETRY_AFTER_MS: intFromEnv(60_000),
  DATAVERSE_MAX_SERVER_RETRIES: intFromEnv(3),
  DATAVERSE_SERVER_BACKOFF_MS: intFromEnv(500),
  DATAVERSE_REQUEST_TIMEOUT_MS: intFromEnv(30_000),
});

export interface ConnectorSettings {
  secretKey?: string;
  dataverseRetry: RetryPolicy;
}

export function connectorSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): ConnectorSettings {
  const e = parseEnv(connectorsEnv, env);
  return {
    secretKey: e.ROUTER_SECRET_KEY,
    dataverseRetry: {
      maxThrottleRetries: e.DATAVERSE_MAX_THROTTLE_RETRIES,
      maxRetryAfterMs: e.DATAVERSE_MAX_RETRY_AFTER_MS,
      maxServerRetries: e.DATAVERSE_MAX_SERVER_RETRIES,
      serverBackoffMs: e.DATAVERSE_SERVER_BACKOFF_MS,
      requestTimeoutMs: e.DATAVERSE_REQUEST_TIMEOUT_MS,
    },
  };
}
