/**
 * crm-sync's environment (besides DATABASE_URL / DATABASE_POOL_SIZE, NATS_URL / NATS_PREFIX,
 * PORT=3001, LOG_LEVEL, read by the shared libs):
 *
 * | variable                        | default  | meaning |
 * | ------------------------------- | -------- | ------- |
 * | ROUTER_API_TOKEN                | required | bearer token of the REST API (≥ 16 characters) |
 * | MAX_ATTACHMENT_BYTES            | 26214400 | larger received attachments are listed with their size, content not stored (25 MB) |
 * | CLAIM_INTERVAL_MS               | 1000     | how often pending-send email is claimed |
 * | CLAIM_BATCH_SIZE                | 50       | most emails claimed at once |
 * | SEND_LEASE_MS                   | 600000   | a claimed email whose result has not come back by then is claimed again |
 * | TRACKING_TOKEN_PREFIX           | CRM:     | tracking token prefix (1–20 characters) |
 * | TRACKING_TOKEN_BASE             | 0        | deployment base number in tokens |
 * | TRACKING_TOKEN_USER_DIGITS      | 3        | digits of the user number in tokens |
 * | TRACKING_TOKEN_COUNTER_DIGITS   | 4        | digits of the counter in tokens |
 * | RECEIVED_CONCURRENCY            | 4        | received messages handled at once per replica |
 * | RECEIVED_MAX_ATTEMPTS           | 5        | attempts before a received message is quarantined |
 * | SEND_RESULT_MAX_ATTEMPTS        | 10       | attempts before a send result is quarantined |
 * | CONSUMER_BACKOFF_INITIAL_MS     | 1000     | first retry delay of a failed message |
 * | CONSUMER_BACKOFF_MAX_MS         | 60000    | longest retry delay |
 * | RAW_READ_TIMEOUT_MS             | 30000    | a raw message read from the object store that takes longer is retried |
 */
import { z } from 'zod';
import type { BackoffPolicy, TrackingTokenSettings } from '@mailrouter/domain';
import { apiEnv, intFromEnv, parseEnv } from '@mailrouter/platform';

export const CRM_SETTINGS = Symbol('CRM_SETTINGS');

const nonNegative = (def: number) => z.coerce.number().int().min(0).default(def);

export const crmSyncEnv = apiEnv.extend({
  MAX_ATTACHMENT_BYTES: intFromEnv(25 * 1024 * 1024),
  CLAIM_INTERVAL_MS: intFromEnv(1000),
  CLAIM_BATCH_SIZE: intFromEnv(50),
  SEND_LEASE_MS: intFromEnv(600_000),
  TRACKING_TOKEN_PREFIX: z.string().min(1).max(20).default('CRM:'),
  TRACKING_TOKEN_BASE: nonNegative(0),
  TRACKING_TOKEN_USER_DIGITS: z.coerce.number().int().min(1).max(9).default(3),
  TRACKING_TOKEN_COUNTER_DIGITS: z.coerce.number().int().min(1).max(12).default(4),
  RECEIVED_CONCURRENCY: intFromEnv(4),
  RECEIVED_MAX_ATTEMPTS: intFromEnv(5),
  SEND_RESULT_MAX_ATTEMPTS: intFromEnv(10),
  CONSUMER_BACKOFF_INITIAL_MS: intFromEnv(1000),
  CONSUMER_BACKOFF_MAX_MS: intFromEnv(60_000),
  RAW_READ_TIMEOUT_MS: intFromEnv(30_000),
});

export interface CrmSettings {
  apiToken: string;
  maxAttachmentBytes: number;
  claimIntervalMs: number;
  claimBatchSize: number;
  sendLeaseMs: number;
  trackingToken: TrackingTokenSettings;
  receivedConcurrency: number;
  receivedMaxAttempts: number;
  sendResultMaxAttempts: number;
  consumerBackoff: BackoffPolicy;
  rawReadTimeoutMs: number;
}

export function crmSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): CrmSettings {
  const e = parseEnv(crmSyncEnv, env);
  return {
    apiToken: e.ROUTER_API_TOKEN,
    maxAttachmentBytes: e.MAX_ATTACHMENT_BYTES,
    claimIntervalMs: e.CLAIM_INTERVAL_MS,
    claimBatchSize: e.CLAIM_BATCH_SIZE,
    sendLeaseMs: e.SEND_LEASE_MS,
    trackingToken: {
      prefix: e.TRACKING_TOKEN_PREFIX,
      baseNumber: e.TRACKING_TOKEN_BASE,
      userNumberDigits: e.TRACKING_TOKEN_USER_DIGITS,
      counterDigits: e.TRACKING_TOKEN_COUNTER_DIGITS,
    },
    receivedConcurrency: e.RECEIVED_CONCURRENCY,
    receivedMaxAttempts: e.RECEIVED_MAX_ATTEMPTS,
    sendResultMaxAttempts: e.SEND_RESULT_MAX_ATTEMPTS,
    consumerBackoff: { initialMs: e.CONSUMER_BACKOFF_INITIAL_MS, maxMs: e.CONSUMER_BACKOFF_MAX_MS, factor: 2 },
    rawReadTimeoutMs: e.RAW_READ_TIMEOUT_MS,
  };
}
