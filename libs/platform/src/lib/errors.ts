/**
 * The failure model in two classes. A handler throws PermanentError for work that can never
 * succeed (it is quarantined with the reason); anything else is retried with backoff.
 */
export class PermanentError extends Error {
  constructor(message: string, public readonly reasonCode?: string) {
    super(message);
    this.name = 'PermanentError';
  }
}

export class TransientError extends Error {
  constructor(message: string, public readonly retryAfterMs?: number) {
    super(message);
    this.name = 'TransientError';
  }
}

/**
 * Not a failure: the work waits on something else (another replica's attempt, a lease).
 * The message is redelivered after the delay and never quarantined for it.
 */
export class RetryLaterError extends Error {
  constructor(message: string, public readonly retryAfterMs: number) {
    super(message);
    this.name = 'RetryLaterError';
  }
}

/** The database or the broker is away (raised where the cause is known, e.g. a publish never acknowledged). */
export class InfrastructureUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InfrastructureUnavailableError';
  }
}

const INFRA_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN',
  // PostgreSQL: connection exceptions, admin shutdown, cannot connect now, too many connections
  '08000', '08003', '08006', '08001', '08004', '57P01', '57P02', '57P03', '53300',
]);

/** nats.js errors (name NatsError) that mean the broker is away: a request unanswered, the connection down or closed, JetStream not answering. */
const NATS_AWAY_CODES = new Set(['TIMEOUT', 'DISCONNECT', 'CONNECTION_CLOSED', 'CONNECTION_REFUSED', 'CONNECTION_TIMEOUT', '503']);

/**
 * True when the database or the broker is away: such failures are retried without counting
 * against a message's attempts, so an outage never sends good work to quarantine.
 */
export function isInfrastructureError(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  if (err instanceof InfrastructureUnavailableError) return true;
  const e = err as { code?: unknown; message?: unknown; driverError?: unknown };
  if (typeof e.code === 'string' && INFRA_CODES.has(e.code)) return true;
  if ((err as Error).name === 'NatsError' && typeof e.code === 'string' && NATS_AWAY_CODES.has(e.code)) return true;
  if (e.driverError && isInfrastructureError(e.driverError)) return true;
  const msg = typeof e.message === 'string' ? e.message : '';
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|CONNECTION_CLOSED|DISCONNECT/i.test(msg);
}

/** PostgreSQL SQLSTATEs of a lost or refused database connection (class 08, shutdown, too many). */
const DATABASE_AWAY_STATES = /^(08\d{3}|57P0[123]|53300)$/;

/**
 * isInfrastructureError narrowed to the router's own infrastructure — the broker (a NatsError,
 * a publish never acknowledged) or the database (its SQLSTATEs, TypeORM around a lost
 * connection) — for code that also talks to other servers: a bare ECONNREFUSED could be a mail
 * server's, so it does not count.
 */
export function isRouterInfrastructureError(err: unknown): boolean {
  if (err instanceof InfrastructureUnavailableError) return true;
  if (!err || typeof err !== 'object' || !isInfrastructureError(err)) return false;
  const e = err as { name?: unknown; code?: unknown; driverError?: unknown };
  return e.name === 'NatsError' || e.driverError !== undefined || (typeof e.code === 'string' && DATABASE_AWAY_STATES.test(e.code));
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
