/**
 * Sizes of every benchmark, by BENCH_SCALE (small while developing, full for the recorded table).
 * Any one figure can be overridden by its env var (see docs/performance.md).
 */
export type Scale = 'small' | 'full';

export interface BenchSizes {
  scale: Scale;
  /** 1. incoming: mailboxes × messages per mailbox, per message mix. */
  incomingMailboxes: number;
  incomingMessagesPerMailbox: number;
  /** 2. outgoing: pending emails. */
  outgoingEmails: number;
  /** 3. latency: messages appended one by one, at this rate, to a mailbox polled every pollSeconds. */
  latencyMessages: number;
  latencyPerSecond: number;
  latencyPollSeconds: number;
  /** 4. idle scale: configured mailboxes, their poll interval, how many Dovecot accounts they share. */
  idleMailboxes: number;
  idlePollSeconds: number;
  idleAccounts: number;
  idleMaxConnections: number;
  /** how long the idle process is watched (RSS, CPU) with 0 mailboxes and with N. */
  idleWindowSeconds: number;
  /** longest wait for the first poll of every mailbox before the window is measured anyway. */
  idleSweepSeconds: number;
}

const SIZES: Record<Scale, Omit<BenchSizes, 'scale'>> = {
  small: {
    incomingMailboxes: 2, incomingMessagesPerMailbox: 40, outgoingEmails: 100,
    latencyMessages: 20, latencyPerSecond: 2, latencyPollSeconds: 2,
    idleMailboxes: 1000, idlePollSeconds: 300, idleAccounts: 10, idleMaxConnections: 8, idleWindowSeconds: 20, idleSweepSeconds: 45,
  },
  full: {
    incomingMailboxes: 4, incomingMessagesPerMailbox: 150, outgoingEmails: 500,
    latencyMessages: 60, latencyPerSecond: 2, latencyPollSeconds: 2,
    idleMailboxes: 10_000, idlePollSeconds: 300, idleAccounts: 50, idleMaxConnections: 8, idleWindowSeconds: 20, idleSweepSeconds: 90,
  },
};

const ENV_NAMES: Record<keyof Omit<BenchSizes, 'scale'>, string> = {
  incomingMailboxes: 'BENCH_INCOMING_MAILBOXES',
  incomingMessagesPerMailbox: 'BENCH_INCOMING_MESSAGES',
  outgoingEmails: 'BENCH_OUTGOING_EMAILS',
  latencyMessages: 'BENCH_LATENCY_MESSAGES',
  latencyPerSecond: 'BENCH_LATENCY_RATE',
  latencyPollSeconds: 'BENCH_LATENCY_POLL_SECONDS',
  idleMailboxes: 'BENCH_IDLE_MAILBOXES',
  idlePollSeconds: 'BENCH_IDLE_POLL_SECONDS',
  idleAccounts: 'BENCH_IDLE_ACCOUNTS',
  idleMaxConnections: 'BENCH_IDLE_MAX_CONNECTIONS',
  idleWindowSeconds: 'BENCH_IDLE_WINDOW_SECONDS',
  idleSweepSeconds: 'BENCH_IDLE_SWEEP_SECONDS',
};

export function benchSizes(env: NodeJS.ProcessEnv = process.env): BenchSizes {
  const scale = (env.BENCH_SCALE ?? 'small') as Scale;
  if (scale !== 'small' && scale !== 'full') throw new Error(`BENCH_SCALE must be small or full, not ${scale}`);
  const sizes: BenchSizes = { scale, ...SIZES[scale] };
  for (const [key, name] of Object.entries(ENV_NAMES) as [keyof typeof ENV_NAMES, string][]) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, not ${raw}`);
    sizes[key] = n;
  }
  return sizes;
}
