/**
 * Environment of the incoming service (besides DATABASE_URL, DATABASE_POOL_SIZE, NATS_URL,
 * NATS_PREFIX, PORT=3002, LOG_LEVEL from the shared schemas):
 *
 * | variable                        | default    | meaning                                                        |
 * | ------------------------------- | ---------- | -------------------------------------------------------------- |
 * | ROUTER_SECRET_KEY               | (required) | 32 bytes base64/hex: the current key; opens the sealed mailbox passwords and signs forward-rule tokens |
 * | ROUTER_SECRET_KEY_ID            | (derived)  | the current key's id (default: 8 hex of SHA-256 over the key)  |
 * | ROUTER_SECRET_KEYS_PREVIOUS     | (none)     | older keys, comma-separated `id:key` or bare keys: open what they sealed, during a rotation |
 * | POLL_TICK_MS                    | 1000       | how often the scheduler looks for mailboxes due for a poll      |
 * | POLL_LEASE_SECONDS              | 10         | a replica's claim on a mailbox it serves, renewed every tick (crash: taken over after it) |
 * | REPLICA_ID                      | host:pid:random | this replica's name in the lease and heartbeat rows (e.g. the pod name) |
 * | REPLICA_TTL_SECONDS             | 10         | a replica whose heartbeat is older is not counted when mailboxes are shared out |
 * | IMAP_IDLE                       | true       | hold an IMAP IDLE connection per mailbox (within the share below) for near real time |
 * | IDLE_CONNECTION_PERCENT         | 50         | share of a server's maxConnections IDLE may hold (at least one is always left for polls) |
 * | IDLE_RESTART_SECONDS            | 300        | IDLE is ended and re-issued this often (keeps NATs and servers from dropping it) |
 * | IDLE_RECONNECT_INITIAL_MS       | 1000       | wait before re-opening a dropped IDLE connection (doubles per consecutive failure) |
 * | IDLE_RECONNECT_MAX_MS           | 60000      | longest wait before re-opening an IDLE connection                |
 * | IDLE_HANDOVER_SECONDS           | 60         | an IDLE connection that saw no mail this long goes to a mailbox of the same server whose poll just found mail (0: never) |
 * | POLL_SPAN_RETENTION_MINUTES     | 60         | how long each poll's span (mailbox, replica, start, end) is kept; 0: not recorded |
 * | MAX_MESSAGES_PER_POLL           | 200        | new messages fetched per poll (the rest in the next, at once)   |
 * | MAX_MESSAGE_BYTES               | 52428800   | larger messages are recorded as too large, never fetched        |
 * | FETCH_BATCH_MESSAGES            | 50         | new messages fetched in one IMAP UID FETCH, stored and published together |
 * | FETCH_BATCH_BYTES               | 16777216   | …and at most this many bytes (server-reported sizes) per batch  |
 * | CONNECT_TIMEOUT_MS              | 15000      | connect + greeting + login timeout                              |
 * | COMMAND_TIMEOUT_MS              | 60000      | timeout of any one IMAP/POP3 command                            |
 * | REPUBLISH_AFTER_SECONDS         | 300        | a received message without verdict this long is republished    |
 * | FAILURE_BACKOFF_INITIAL_SECONDS | 30         | wait after a failed poll (doubles per consecutive failure)      |
 * | FAILURE_BACKOFF_MAX_SECONDS     | 300        | longest wait between polls of a failing mailbox (the original's 5 minutes) |
 * | MAILBOX_DISABLE_AFTER_FAILURES  | 10         | failed polls in a row that disable a mailbox until an operator re-enables it; 0: never |
 * | VERDICT_MAX_ATTEMPTS            | 5          | a verdict that keeps failing is quarantined after this many     |
 * | VERDICT_CONCURRENCY             | 32         | verdicts handled at once (those arriving together are written in one statement) |
 * | POLL_LOOP_STALL_SECONDS         | 60         | readiness fails when the poll loop has not ticked for this long |
 */
import { z } from 'zod';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { intFromEnv, parseEnv, SecretKeyring, secretKeyringFromEnv, secretsEnv } from '@mailrouter/platform';

const countFromEnv = (def: number) => z.coerce.number().int().min(0).default(def);

export const incomingEnv = secretsEnv.extend({
  POLL_TICK_MS: intFromEnv(1000),
  POLL_LEASE_SECONDS: intFromEnv(10),
  REPLICA_ID: z.string().min(1).max(200).optional(),
  REPLICA_TTL_SECONDS: intFromEnv(10),
  IMAP_IDLE: z.enum(['true', 'false']).default('true'),
  IDLE_CONNECTION_PERCENT: countFromEnv(50).pipe(z.number().max(100)),
  IDLE_RESTART_SECONDS: intFromEnv(300),
  IDLE_RECONNECT_INITIAL_MS: intFromEnv(1000),
  IDLE_RECONNECT_MAX_MS: intFromEnv(60_000),
  IDLE_HANDOVER_SECONDS: intFromEnv(60),
  POLL_SPAN_RETENTION_MINUTES: countFromEnv(60),
  MAX_MESSAGES_PER_POLL: intFromEnv(200),
  MAX_MESSAGE_BYTES: intFromEnv(50 * 1024 * 1024),
  FETCH_BATCH_MESSAGES: intFromEnv(50),
  FETCH_BATCH_BYTES: intFromEnv(16 * 1024 * 1024),
  CONNECT_TIMEOUT_MS: intFromEnv(15_000),
  COMMAND_TIMEOUT_MS: intFromEnv(60_000),
  REPUBLISH_AFTER_SECONDS: intFromEnv(300),
  FAILURE_BACKOFF_INITIAL_SECONDS: intFromEnv(30),
  // The original's server-side sync retried a failing mailbox 5 minutes apart, 10 times, then disabled it.
  FAILURE_BACKOFF_MAX_SECONDS: intFromEnv(300),
  MAILBOX_DISABLE_AFTER_FAILURES: countFromEnv(10),
  VERDICT_MAX_ATTEMPTS: intFromEnv(5),
  VERDICT_CONCURRENCY: intFromEnv(32),
  POLL_LOOP_STALL_SECONDS: intFromEnv(60),
});

export interface IncomingSettings {
  /** ROUTER_SECRET_KEY (+ previous keys). Never log the keys. */
  secretKey: SecretKeyring;
  pollTickMs: number;
  pollLeaseSeconds: number;
  replicaId: string;
  replicaTtlSeconds: number;
  idle: { enabled: boolean; connectionPercent: number; restartMs: number; handoverMs: number; reconnect: { initialMs: number; maxMs: number; factor: number } };
  pollSpanRetentionMinutes: number;
  maxMessagesPerPoll: number;
  maxMessageBytes: number;
  fetchBatch: { messages: number; bytes: number };
  connectTimeoutMs: number;
  commandTimeoutMs: number;
  republishAfterSeconds: number;
  failureBackoff: { initialMs: number; maxMs: number; factor: number };
  /** Consecutive failed polls that disable a mailbox (0: never). */
  disableAfterFailures: number;
  verdictMaxAttempts: number;
  verdictConcurrency: number;
  pollLoopStallMs: number;
}

export const INCOMING_SETTINGS = Symbol('INCOMING_SETTINGS');

export function incomingSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): IncomingSettings {
  const e: z.infer<typeof incomingEnv> = parseEnv(incomingEnv, env);
  return {
    secretKey: secretKeyringFromEnv(e),
    pollTickMs: e.POLL_TICK_MS,
    pollLeaseSeconds: e.POLL_LEASE_SECONDS,
    replicaId: e.REPLICA_ID ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
    replicaTtlSeconds: e.REPLICA_TTL_SECONDS,
    idle: {
      enabled: e.IMAP_IDLE === 'true',
      connectionPercent: e.IDLE_CONNECTION_PERCENT,
      restartMs: e.IDLE_RESTART_SECONDS * 1000,
      handoverMs: e.IDLE_HANDOVER_SECONDS * 1000,
      reconnect: { initialMs: e.IDLE_RECONNECT_INITIAL_MS, maxMs: e.IDLE_RECONNECT_MAX_MS, factor: 2 },
    },
    pollSpanRetentionMinutes: e.POLL_SPAN_RETENTION_MINUTES,
    maxMessagesPerPoll: e.MAX_MESSAGES_PER_POLL,
    maxMessageBytes: e.MAX_MESSAGE_BYTES,
    fetchBatch: { messages: e.FETCH_BATCH_MESSAGES, bytes: e.FETCH_BATCH_BYTES },
    connectTimeoutMs: e.CONNECT_TIMEOUT_MS,
    commandTimeoutMs: e.COMMAND_TIMEOUT_MS,
    republishAfterSeconds: e.REPUBLISH_AFTER_SECONDS,
    failureBackoff: { initialMs: e.FAILURE_BACKOFF_INITIAL_SECONDS * 1000, maxMs: e.FAILURE_BACKOFF_MAX_SECONDS * 1000, factor: 2 },
    disableAfterFailures: e.MAILBOX_DISABLE_AFTER_FAILURES,
    verdictMaxAttempts: e.VERDICT_MAX_ATTEMPTS,
    verdictConcurrency: e.VERDICT_CONCURRENCY,
    pollLoopStallMs: e.POLL_LOOP_STALL_SECONDS * 1000,
  };
}
