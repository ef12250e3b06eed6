/**
 * crm-sync's environment (besides DATABASE_URL / DATABASE_POOL_SIZE, NATS_URL / NATS_PREFIX,
 * PORT=3001, LOG_LEVEL, read by the shared libs):
 *
 * | variable                        | default  | meaning |
 * | ------------------------------- | -------- | ------- |
 * | ROUTER_API_TOKEN                | required | bearer token of the REST API (≥ 16 characters) |
 * | CLAIM_INTERVAL_MS               | 1000     | how often pending-send email is claimed |
 * | CLAIM_BATCH_SIZE                | 50       | most emails claimed at once |
 * | SEND_LEASE_MS                   | 600000   | a claimed email whose result has not come back by then is claimed again (built-in CRM: 30 s until its send command is in JetStream) |
 * | RECEIVED_CONCURRENCY            | 16       | received messages handled at once per replica (parsed side by side; those of one mailbox and sender decided in one transaction) |
 * | DECISION_GROUP_MAX              | 32       | most received messages of one mailbox and sender decided in one transaction |
 * | RECEIVED_MAX_INFLIGHT_BYTES     | 134217728 | most bytes of received mail read and parsed at once per replica (a larger message waits to be alone) |
 * | RECEIVED_MAX_ATTEMPTS           | 5        | attempts before a received message is quarantined |
 * | SEND_RESULT_MAX_ATTEMPTS        | 10       | attempts before a send result is quarantined |
 * | CONSUMER_BACKOFF_INITIAL_MS     | 1000     | first retry delay of a failed message |
 * | CONSUMER_BACKOFF_MAX_MS         | 60000    | longest retry delay |
 * | RAW_READ_TIMEOUT_MS             | 30000    | a raw message read from the object store that takes longer is retried |
 * | DNS_CACHE_SECONDS               | 60       | DKIM/DMARC DNS answers (and "no such record") are reused this long; 0: ask the resolver every time |
 * | TRUSTED_AUTHSERV_IDS            | (empty)  | comma-separated authserv-ids whose Authentication-Results headers are believed (your own MTAs) |
 * | FORWARD_MAX_MESSAGES            | 20       | most attached messages tracked from one forward-mailbox wrapper; the rest are named in its verdict |
 * | MAX_PARSE_BYTES                 | 52428800 | a received message larger than this (bytes) is not parsed: quarantined `limit-exceeded` (as incoming's MAX_MESSAGE_BYTES) |
 * | MAX_HEADER_BYTES                | 1048576  | largest header block (bytes) of the message or of any part |
 * | MAX_MIME_DEPTH                  | 50       | deepest nesting of multiparts and attached messages |
 * | MAX_MIME_PARTS                  | 1000     | most MIME parts (all levels); mailparser refuses more than 1000 anyway |
 * | MAX_RECIPIENTS                  | 1000     | most addresses in To, Cc and Bcc together |
 *
 * The five limits are checked by one linear scan before the message is parsed (mime-limits.ts);
 * a message over one is quarantined with reason `limit-exceeded` and a text naming the limit
 * and the value.
 *
 * Tracking tokens, smart matching, loop guard, automatic replies, DMARC, ambiguous addresses and
 * the attachment size limit are per deployment, in the published configuration
 * (DeploymentTrackingV1), no longer environment variables.
 */
import { z } from 'zod';
import type { BackoffPolicy } from '@mailrouter/domain';
import { apiEnv, intFromEnv, parseEnv } from '@mailrouter/platform';
import { DEFAULT_MIME_LIMITS, MimeLimits } from './incoming-flow/mime-limits';

export const CRM_SETTINGS = Symbol('CRM_SETTINGS');

export const crmSyncEnv = apiEnv.extend({
  CLAIM_INTERVAL_MS: intFromEnv(1000),
  CLAIM_BATCH_SIZE: intFromEnv(50),
  SEND_LEASE_MS: intFromEnv(600_000),
  RECEIVED_CONCURRENCY: intFromEnv(16),
  DECISION_GROUP_MAX: intFromEnv(32),
  RECEIVED_MAX_INFLIGHT_BYTES: intFromEnv(128 * 1024 * 1024),
  RECEIVED_MAX_ATTEMPTS: intFromEnv(5),
  SEND_RESULT_MAX_ATTEMPTS: intFromEnv(10),
  CONSUMER_BACKOFF_INITIAL_MS: intFromEnv(1000),
  CONSUMER_BACKOFF_MAX_MS: intFromEnv(60_000),
  RAW_READ_TIMEOUT_MS: intFromEnv(30_000),
  TRUSTED_AUTHSERV_IDS: z.string().default(''),
  DNS_CACHE_SECONDS: z.coerce.number().int().min(0).default(60),
  FORWARD_MAX_MESSAGES: intFromEnv(20),
  MAX_PARSE_BYTES: intFromEnv(DEFAULT_MIME_LIMITS.maxParseBytes),
  MAX_HEADER_BYTES: intFromEnv(DEFAULT_MIME_LIMITS.maxHeaderBytes),
  MAX_MIME_DEPTH: intFromEnv(DEFAULT_MIME_LIMITS.maxDepth),
  MAX_MIME_PARTS: intFromEnv(DEFAULT_MIME_LIMITS.maxParts),
  MAX_RECIPIENTS: intFromEnv(DEFAULT_MIME_LIMITS.maxRecipients),
});

export interface CrmSettings {
  apiToken: string;
  claimIntervalMs: number;
  claimBatchSize: number;
  sendLeaseMs: number;
  receivedConcurrency: number;
  /** Most decisions of one mailbox and sender in one transaction. */
  decisionGroupMax: number;
  /** Most bytes of received mail held (read and parsed) at once. */
  receivedMaxInflightBytes: number;
  receivedMaxAttempts: number;
  sendResultMaxAttempts: number;
  consumerBackoff: BackoffPolicy;
  rawReadTimeoutMs: number;
  trustedAuthservIds: string[];
  /** How long DKIM/DMARC DNS answers are reused (0: not cached). */
  dnsCacheSeconds: number;
  forwardMaxMessages: number;
  /** What a received message may be before it is parsed. */
  mimeLimits: MimeLimits;
}

export function crmSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): CrmSettings {
  const e = parseEnv(crmSyncEnv, env);
  return {
    apiToken: e.ROUTER_API_TOKEN,
    claimIntervalMs: e.CLAIM_INTERVAL_MS,
    claimBatchSize: e.CLAIM_BATCH_SIZE,
    sendLeaseMs: e.SEND_LEASE_MS,
    receivedConcurrency: e.RECEIVED_CONCURRENCY,
    decisionGroupMax: e.DECISION_GROUP_MAX,
    receivedMaxInflightBytes: e.RECEIVED_MAX_INFLIGHT_BYTES,
    receivedMaxAttempts: e.RECEIVED_MAX_ATTEMPTS,
    sendResultMaxAttempts: e.SEND_RESULT_MAX_ATTEMPTS,
    consumerBackoff: { initialMs: e.CONSUMER_BACKOFF_INITIAL_MS, maxMs: e.CONSUMER_BACKOFF_MAX_MS, factor: 2 },
    rawReadTimeoutMs: e.RAW_READ_TIMEOUT_MS,
    dnsCacheSeconds: e.DNS_CACHE_SECONDS,
    trustedAuthservIds: e.TRUSTED_AUTHSERV_IDS.split(',').map((s) => s.trim()).filter(Boolean),
    forwardMaxMessages: e.FORWARD_MAX_MESSAGES,
    mimeLimits: {
      maxParseBytes: e.MAX_PARSE_BYTES, maxHeaderBytes: e.MAX_HEADER_BYTES, maxDepth: e.MAX_MIME_DEPTH,
      maxParts: e.MAX_MIME_PARTS, maxRecipients: e.MAX_RECIPIENTS,
    },
  };
}
