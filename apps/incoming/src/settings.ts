/**
 * Environment of the incoming service (besides DATABASE_URL, DATABASE_POOL_SIZE, NATS_URL,
 * NATS_PREFIX, PORT=3002, LOG_LEVEL from the shared schemas):
 *
 * | variable                        | default    | meaning                                                        |
 * | ------------------------------- | ---------- | -------------------------------------------------------------- |
 * | ROUTER_SECRET_KEY               | (required) | 32 bytes base64/hex: opens the sealed mailbox passwords         |
 * | POLL_TICK_MS                    | 1000       | how often the scheduler looks for mailboxes due for a poll      |
 * | POLL_LEASE_SECONDS              | 60         | a poll's claim on its mailbox, renewed while it runs (crash: freed) |
 * | MAX_MESSAGES_PER_POLL           | 200        | new messages fetched per poll (the rest in the next, at once)   |
 * | MAX_MESSAGE_BYTES               | 52428800   | larger messages are recorded as too large, never fetched        |
 * | CONNECT_TIMEOUT_MS              | 15000      | connect + greeting + login timeout                              |
 * | COMMAND_TIMEOUT_MS              | 60000      | timeout of any one IMAP/POP3 command                            |
 * | REPUBLISH_AFTER_SECONDS         | 300        | a received message without verdict this long is republished    |
 * | FAILURE_BACKOFF_INITIAL_SECONDS | 30         | wait after a failed poll (doubles per consecutive failure)      |
 * | FAILURE_BACKOFF_MAX_SECONDS     | 1800       | longest wait between polls of a failing mailbox                 |
 * | VERDICT_MAX_ATTEMPTS            | 5          | a verdict that keeps failing is quarantined after this many     |
 * | POLL_LOOP_STALL_SECONDS         | 60         | readiness fails when the poll loop has not ticked for this long |
 */
import { z } from 'zod';
import { decodeSecretKey, intFromEnv, parseEnv, secretsEnv } from '@mailrouter/platform';

export const incomingEnv = secretsEnv.extend({
  POLL_TICK_MS: intFromEnv(1000),
  POLL_LEASE_SECONDS: intFromEnv(60),
  MAX_MESSAGES_PER_POLL: intFromEnv(200),
  MAX_MESSAGE_BYTES: intFromEnv(50 * 1024 * 1024),
  CONNECT_TIMEOUT_MS: intFromEnv(15_000),
  COMMAND_TIMEOUT_MS: intFromEnv(60_000),
  REPUBLISH_AFTER_SECONDS: intFromEnv(300),
  FAILURE_BACKOFF_INITIAL_SECONDS: intFromEnv(30),
  FAILURE_BACKOFF_MAX_SECONDS: intFromEnv(1800),
  VERDICT_MAX_ATTEMPTS: intFromEnv(5),
  POLL_LOOP_STALL_SECONDS: intFromEnv(60),
});

export interface IncomingSettings {
  secretKey: Buffer;
  pollTickMs: number;
  pollLeaseSeconds: number;
  maxMessagesPerPoll: number;
  maxMessageBytes: number;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
  republishAfterSeconds: number;
  failureBackoff: { initialMs: number; maxMs: number; factor: number };
  verdictMaxAttempts: number;
  pollLoopStallMs: number;
}

export const INCOMING_SETTINGS = Symbol('INCOMING_SETTINGS');

export function incomingSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): IncomingSettings {
  const e: z.infer<typeof incomingEnv> = parseEnv(incomingEnv, env);
  return {
    secretKey: decodeSecretKey(e.ROUTER_SECRET_KEY),
    pollTickMs: e.POLL_TICK_MS,
    pollLeaseSeconds: e.POLL_LEASE_SECONDS,
    maxMessagesPerPoll: e.MAX_MESSAGES_PER_POLL,
    maxMessageBytes: e.MAX_MESSAGE_BYTES,
    connectTimeoutMs: e.CONNECT_TIMEOUT_MS,
    commandTimeoutMs: e.COMMAND_TIMEOUT_MS,
    republishAfterSeconds: e.REPUBLISH_AFTER_SECONDS,
    failureBackoff: { initialMs: e.FAILURE_BACKOFF_INITIAL_SECONDS * 1000, maxMs: e.FAILURE_BACKOFF_MAX_SECONDS * 1000, factor: 2 },
    verdictMaxAttempts: e.VERDICT_MAX_ATTEMPTS,
    pollLoopStallMs: e.POLL_LOOP_STALL_SECONDS * 1000,
  };
}
