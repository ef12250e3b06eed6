import { Client } from 'pg';
import { AppName, createMailUser, MailUser, SmtpSink, TEST_DOVECOT } from '@mailrouter/testing';
import { RouterUnderTest } from '../../e2e/support/router';
import { Replicas } from '../../e2e/support/replicas';

/** BENCH_ROUTER_ENV="SEND_CONCURRENCY=16,CLAIM_BATCH_SIZE=100": extra env for every service (to try a setting). */
export function routerEnvFromBenchEnv(raw = process.env.BENCH_ROUTER_ENV ?? ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of raw.split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`BENCH_ROUTER_ENV: "${pair}" is not NAME=value`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

/** BENCH_REPLICAS="crm-sync=2,incoming=2": run that many processes of an app (scale-out rows; default one each). */
export function replicasFromBenchEnv(raw = process.env.BENCH_REPLICAS ?? ''): Partial<Record<AppName, number>> {
  const out: Partial<Record<AppName, number>> = {};
  for (const pair of raw.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [app, n] = pair.split('=');
    if (!['config', 'crm-sync', 'incoming', 'outgoing'].includes(app) || !(Number(n) >= 1)) throw new Error(`BENCH_REPLICAS: "${pair}" is not <app>=<count>`);
    out[app as AppName] = Number(n);
  }
  return out;
}

export interface BenchMailbox {
  mail: MailUser;
  crmUserId: string;
  mailboxId: string;
}

/**
 * The four services as processes (RouterUnderTest, default settings unless `env` says
 * otherwise), configured through their public APIs only: a Dovecot IMAP profile, an SMTP
 * profile pointing at a sink, one built-in-CRM deployment and a known contact as sender.
 */
export class BenchRouter {
  readonly router: RouterUnderTest;
  private db?: Client;
  deploymentId = '';
  smtpProfileId = '';
  contactAddress = 'dana@contoso.test';
  private readonly incomingProfiles = new Map<string, string>();

  constructor(extraEnv: Record<string, string> = {}) {
    this.router = new RouterUnderTest({ LOG_LEVEL: 'warn', ...routerEnvFromBenchEnv(), ...extraEnv });
  }

  private replicas?: Replicas;

  async start(sink: SmtpSink): Promise<void> {
    await this.router.start();
    this.replicas = new Replicas(this.router);
    for (const [app, n] of Object.entries(replicasFromBenchEnv()) as [AppName, number][]) {
      for (let i = 2; i <= n; i++) await this.replicas.start(app, `${app}-${i}`);
    }
    const smtpMax = Number(process.env.BENCH_SMTP_MAX_CONNECTIONS ?? 0);
    const smtp = await this.router.call<{ id: string }>('POST', '/api/v1/profiles', {
      name: 'Bench SMTP sink', direction: 'outgoing', protocol: 'smtp', host: '127.0.0.1', port: sink.port,
      security: 'none', auth: { type: 'none' }, credentials: 'profile', ...(smtpMax > 0 ? { maxConnections: smtpMax } : {}),
    });
    this.smtpProfileId = smtp.id;
    const imap = await this.incomingProfile();
    const dep = await this.router.call<{ id: string }>('POST', '/api/v1/deployments', {
      name: 'Bench', crm: { type: 'builtin' }, incomingProfileId: imap, outgoingProfileId: smtp.id,
      // All bench mail comes from one contact: a throughput run is not a mail loop.
      tracking: { loopGuard: { maxMessages: 1_000_000, windowMinutes: 1 } },
    });
    this.deploymentId = dep.id;
    const account = await this.router.call<{ id: string }>('POST', '/crm/v1/accounts', { name: 'Contoso', email: 'info@contoso.test' });
    await this.router.call('POST', '/crm/v1/contacts', { fullName: 'Dana Contact', email: this.contactAddress, accountId: account.id });
    this.db = new Client({ connectionString: this.router.db.url });
    await this.db.connect();
  }

  /** An IMAP profile on the test Dovecot; `pollIntervalSeconds` undefined keeps config's default. */
  async incomingProfile(pollIntervalSeconds?: number): Promise<string> {
    const key = String(pollIntervalSeconds ?? 'default');
    const known = this.incomingProfiles.get(key);
    if (known) return known;
    const p = await this.router.call<{ id: string }>('POST', '/api/v1/profiles', {
      name: `Bench Dovecot IMAP (${key})`, direction: 'incoming', protocol: 'imap', host: TEST_DOVECOT.host, port: TEST_DOVECOT.imapPort,
      security: 'none', auth: { type: 'basic' }, credentials: 'mailbox',
      ...(pollIntervalSeconds ? { pollIntervalSeconds } : {}),
    });
    this.incomingProfiles.set(key, p.id);
    return p.id;
  }

  /** `n` CRM users that track all mail, each with a fresh Dovecot account and its router mailbox (load data). */
  async addMailboxes(n: number, label: string, pollIntervalSeconds?: number): Promise<BenchMailbox[]> {
    const profileId = await this.incomingProfile(pollIntervalSeconds);
    const made: { mail: MailUser; crmUserId: string }[] = [];
    for (let i = 0; i < n; i++) {
      const mail = createMailUser(`b${label}`);
      const u = await this.router.call<{ id: string }>('POST', '/crm/v1/users', {
        fullName: `Bench ${label} ${i}`, email: mail.address, incomingTracking: 'all', emailRouter: true,
      });
      made.push({ mail, crmUserId: u.id });
    }
    const loaded = await this.router.call<{ created: { id: string; crmId?: string }[] }>('POST', `/api/v1/deployments/${this.deploymentId}/load-data`);
    const out: BenchMailbox[] = [];
    for (const m of made) {
      const mb = loaded.created.find((c) => c.crmId === m.crmUserId);
      if (!mb) throw new Error(`load data made no mailbox for ${m.mail.address}`);
      await this.router.call('PATCH', `/api/v1/mailboxes/${mb.id}`, {
        username: m.mail.username, password: m.mail.password, incomingProfileId: profileId,
      });
      out.push({ ...m, mailboxId: mb.id });
    }
    return out;
  }

  async publish(comment: string): Promise<void> {
    // A profiled run (BENCH_CPU_PROF=1) profiles from here on (cpu-profiler.js); otherwise SIGWINCH is not sent.
    if (process.env.BENCH_CPU_PROF === '1') for (const pid of Object.values(this.pids())) process.kill(pid, 'SIGWINCH');
    await this.router.call('POST', '/api/v1/publish', { comment });
  }

  /** Read-only SQL on the router's database (the benchmark's probe of "the activity exists"). */
  async query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    if (!this.db) throw new Error('not started');
    return (await this.db.query(sql, params)).rows as T[];
  }

  async incomingActivities(ownerIds: string[]): Promise<number> {
    const [row] = await this.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM crm.email WHERE direction = 'incoming' AND owner_id = ANY($1::uuid[])`, [ownerIds]);
    return row.n;
  }

  /** Committed transactions in the router's database so far (pg_stat_database; flushed within ~1 s). */
  async commits(): Promise<number> {
    const [row] = await this.query<{ n: string }>(`SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()`);
    return Number(row.n);
  }

  pids(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [app, svc] of this.router.services) if (svc.pid) out[app] = svc.pid;
    for (const [name, svc] of this.replicas?.all ?? []) if (svc.pid) out[name] = svc.pid;
    return out;
  }

  async stop(): Promise<void> {
    await this.db?.end().catch(() => undefined);
    await this.replicas?.stopAll();
    await this.router.stop();
  }
}
