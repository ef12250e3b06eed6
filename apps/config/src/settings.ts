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
 * | ROUTER_SECRET_KEY                 | (required, 32 bytes base64 or 64 hex digits)   | the current AES-256-GCM key: seals stored passwords |
 * | ROUTER_SECRET_KEY_ID              | (derived: 8 hex of SHA-256 over the key)       | the id sealed values carry (`kid`) |
 * | ROUTER_SECRET_KEYS_PREVIOUS       | (none)                                         | older keys, comma-separated `id:key` or bare keys: decrypt only, until `secrets rotate` re-sealed their values |
 * | DEFAULT_POLL_INTERVAL_SECONDS     | 60                                             | poll interval of an incoming profile that names none |
 * | DEFAULT_MAX_CONNECTIONS           | 4                                              | maxConnections of a profile that names none |
 * | TEST_ACCESS_TIMEOUT_SECONDS       | 30                                             | how long test access waits for incoming / outgoing to answer |
 * | LOAD_DATA_TIMEOUT_SECONDS         | 30                                             | how long load data waits for crm-sync to answer |
 * | MAILBOX_STATUS_TIMEOUT_SECONDS    | 5                                              | how long mailbox status waits for incoming to answer |
 * | TRACE_TIMEOUT_SECONDS             | 5                                              | how long the trace API waits for crm-sync and incoming (a silent one makes the answer partial) |
 * | SESSION_TTL_MINUTES               | 480                                            | lifetime of a console session from `POST /api/v1/auth/login` |
 * | LOGIN_MAX_FAILURES                | 10                                             | failed sign-ins per username + IP in a window before 429 |
 * | TOKEN_MAX_FAILURES                | 30                                             | unknown/expired bearer tokens per IP in a window before 429 |
 * | AUTH_FAILURE_WINDOW_MINUTES       | 15                                             | the window of both limits |
 * | ROUTER_ADMIN_USER                 | (unset)                                        | with ROUTER_ADMIN_PASSWORD: creates this admin at boot when no user exists |
 * | ROUTER_ADMIN_PASSWORD             | (unset, ≥12 characters when set)               | that admin's initial password |
 * | LOG_LEVEL                         | log                                            | error, warn, log, debug or verbose |
 */
import { z } from 'zod';
import { apiEnv, intFromEnv, parseEnv, SecretKeyring, secretKeyringFromEnv, secretsEnv } from '@mailrouter/platform';

const unsetIfEmpty = (v: unknown) => (v === '' ? undefined : v);

export const configEnv = z.object({
  ...apiEnv.shape,
  ...secretsEnv.shape,
  DEFAULT_POLL_INTERVAL_SECONDS: intFromEnv(60),
  DEFAULT_MAX_CONNECTIONS: intFromEnv(4),
  TEST_ACCESS_TIMEOUT_SECONDS: intFromEnv(30),
  LOAD_DATA_TIMEOUT_SECONDS: intFromEnv(30),
  MAILBOX_STATUS_TIMEOUT_SECONDS: intFromEnv(5),
  TRACE_TIMEOUT_SECONDS: intFromEnv(5),
  SESSION_TTL_MINUTES: intFromEnv(480),
  LOGIN_MAX_FAILURES: intFromEnv(10),
  TOKEN_MAX_FAILURES: intFromEnv(30),
  AUTH_FAILURE_WINDOW_MINUTES: intFromEnv(15),
  // Empty (as in a copied .env.example) is unset.
  ROUTER_ADMIN_USER: z.preprocess(unsetIfEmpty, z.string().trim().regex(/^[A-Za-z0-9._@-]{1,100}$/, 'letters, digits, . _ @ - only').optional()),
  ROUTER_ADMIN_PASSWORD: z.preprocess(unsetIfEmpty, z.string().min(12, 'must be at least 12 characters').optional()),
}).refine((e) => !e.ROUTER_ADMIN_USER === !e.ROUTER_ADMIN_PASSWORD, {
  message: 'ROUTER_ADMIN_USER and ROUTER_ADMIN_PASSWORD go together: set both or neither',
  path: ['ROUTER_ADMIN_PASSWORD'],
});

export interface ConfigSettings {
  apiToken: string;
  /** ROUTER_SECRET_KEY (seals) and ROUTER_SECRET_KEYS_PREVIOUS (open only). Never log the keys. */
  secretKey: SecretKeyring;
  defaultPollIntervalSeconds: number;
  defaultMaxConnections: number;
  testAccessTimeoutSeconds: number;
  loadDataTimeoutSeconds: number;
  mailboxStatusTimeoutSeconds: number;
  traceTimeoutSeconds: number;
  auth: AuthSettings;
}

export interface AuthSettings {
  sessionTtlMinutes: number;
  loginMaxFailures: number;
  tokenMaxFailures: number;
  failureWindowMinutes: number;
  /** The first admin, created at boot when no user exists. */
  bootstrapAdmin?: { username: string; password: string };
}

export const CONFIG_SETTINGS = Symbol('CONFIG_SETTINGS');

export function configSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): ConfigSettings {
  const parsed = parseEnv(configEnv, env);
  return {
    apiToken: parsed.ROUTER_API_TOKEN,
    secretKey: secretKeyringFromEnv(parsed),
    defaultPollIntervalSeconds: parsed.DEFAULT_POLL_INTERVAL_SECONDS,
    defaultMaxConnections: parsed.DEFAULT_MAX_CONNECTIONS,
    testAccessTimeoutSeconds: parsed.TEST_ACCESS_TIMEOUT_SECONDS,
    loadDataTimeoutSeconds: parsed.LOAD_DATA_TIMEOUT_SECONDS,
    mailboxStatusTimeoutSeconds: parsed.MAILBOX_STATUS_TIMEOUT_SECONDS,
    traceTimeoutSeconds: parsed.TRACE_TIMEOUT_SECONDS,
    auth: {
      sessionTtlMinutes: parsed.SESSION_TTL_MINUTES,
      loginMaxFailures: parsed.LOGIN_MAX_FAILURES,
      tokenMaxFailures: parsed.TOKEN_MAX_FAILURES,
      failureWindowMinutes: parsed.AUTH_FAILURE_WINDOW_MINUTES,
      bootstrapAdmin: parsed.ROUTER_ADMIN_USER && parsed.ROUTER_ADMIN_PASSWORD
        ? { username: parsed.ROUTER_ADMIN_USER, password: parsed.ROUTER_ADMIN_PASSWORD }
        : undefined,
    },
  };
}
