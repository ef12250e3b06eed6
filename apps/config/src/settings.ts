/**
 * Settings of the `config` service (the configuration API).
 *
 * | variable                          | default                                        | meaning |
 * | --------------------------------- | ---------------------------------------------- | ------- |
 * | PORT                              | 3000                                           | HTTP port (API + /health) |
 * | DATABASE_URL                      | postgres://postgres@127.0.0.1:5432/mailrouter  | PostgreSQL; this app owns schema `config` |
 * | DATABASE_POOL_SIZE                | 10                                             | connections in the pool |
 * | NATS_URL                          | nats://127.0.0.1:4222                          | NATS server(s), comma-separated |
 * | NATS_PREFIX                       | mr                                             | prefix of every subject, stream and bucket |
 * | ROUTER_API_TOKEN                  | (required, ≥16 characters)                     | `Authorization: Bearer …` token of every /api route |
 * | ROUTER_SECRET_KEY                 | (required, 32 bytes base64 or 64 hex digits)   | AES-256-GCM key sealing stored passwords |
 * | DEFAULT_POLL_INTERVAL_SECONDS     | 60                                             | poll interval of an incoming profile that names none |
 * | DEFAULT_MAX_CONNECTIONS           | 4                                              | maxConnections of a profile that names none |
 * | TEST_ACCESS_TIMEOUT_SECONDS       | 30                                             | how long test access waits for incoming / outgoing to answer |
 * | LOAD_DATA_TIMEOUT_SECONDS         | 30                                             | how long load data waits for crm-sync to answer |
 * | MAILBOX_STATUS_TIMEOUT_SECONDS    | 5                                              | how long mailbox status waits for incoming to answer |
 * | TRACE_TIMEOUT_SECONDS             | 5                                              | how long the trace API waits for crm-sync and incoming (a silent one makes the answer partial) |
 * | LOG_LEVEL                         | log                                            | error, warn, log, debug or verbose |
 */
import { z } from 'zod';
import { apiEnv, decodeSecretKey, intFromEnv, parseEnv, secretsEnv } from '@mailrouter/platform';

export const configEnv = z.object({
  ...apiEnv.shape,
  ...secretsEnv.shape,
  DEFAULT_POLL_INTERVAL_SECONDS: intFromEnv(60),
  DEFAULT_MAX_CONNECTIONS: intFromEnv(4),
  TEST_ACCESS_TIMEOUT_SECONDS: intFromEnv(30),
  LOAD_DATA_TIMEOUT_SECONDS: intFromEnv(30),
  MAILBOX_STATUS_TIMEOUT_SECONDS: intFromEnv(5),
  TRACE_TIMEOUT_SECONDS: intFromEnv(5),
});

export interface ConfigSettings {
  apiToken: string;
  /** The decoded ROUTER_SECRET_KEY. Never log it. */
  secretKey: Buffer;
  defaultPollIntervalSeconds: number;
  defaultMaxConnections: number;
  testAccessTimeoutSeconds: number;
  loadDataTimeoutSeconds: number;
  mailboxStatusTimeoutSeconds: number;
  traceTimeoutSeconds: number;
}

export const CONFIG_SETTINGS = Symbol('CONFIG_SETTINGS');

export function configSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): ConfigSettings {
  const parsed = parseEnv(configEnv, env);
  return {
    apiToken: parsed.ROUTER_API_TOKEN,
    secretKey: decodeSecretKey(parsed.ROUTER_SECRET_KEY),
    defaultPollIntervalSeconds: parsed.DEFAULT_POLL_INTERVAL_SECONDS,
    defaultMaxConnections: parsed.DEFAULT_MAX_CONNECTIONS,
    testAccessTimeoutSeconds: parsed.TEST_ACCESS_TIMEOUT_SECONDS,
    loadDataTimeoutSeconds: parsed.LOAD_DATA_TIMEOUT_SECONDS,
    mailboxStatusTimeoutSeconds: parsed.MAILBOX_STATUS_TIMEOUT_SECONDS,
    traceTimeoutSeconds: parsed.TRACE_TIMEOUT_SECONDS,
  };
}
