import { randomBytes } from 'node:crypto';
import {
  AppName, createTestDatabase, deleteNatsPrefix, freePort, ServiceProcess, TestDatabase, testNatsPrefix,
  TEST_NATS_URL,
} from '@mailrouter/testing';

const DEFAULT_PORTS: Record<AppName, number> = { config: 3000, 'crm-sync': 3001, incoming: 3002, outgoing: 3003 };

/** The four services as processes on a database and NATS prefix of their own. */
export class RouterUnderTest {
  readonly token = randomBytes(24).toString('hex');
  readonly secretKey = randomBytes(32).toString('base64');
  readonly prefix = testNatsPrefix();
  db!: TestDatabase;
  readonly services = new Map<AppName, ServiceProcess>();
  private readonly ports = new Map<AppName, number>();

  /**
   * `natsUrl` / `database` point the services at a private NATS or PostgreSQL (fault tests
   * that stop the broker or the database); by default the machine's shared ones.
   */
  constructor(
    private readonly extraEnv: Record<string, string> = {},
    private readonly infra: { natsUrl?: string; database?: () => Promise<TestDatabase> } = {},
  ) {}

  env(): Record<string, string> {
    return {
      DATABASE_URL: this.db.url,
      NATS_URL: this.infra.natsUrl ?? TEST_NATS_URL,
      NATS_PREFIX: this.prefix,
      ROUTER_API_TOKEN: this.token,
      ROUTER_SECRET_KEY: this.secretKey,
      LOG_LEVEL: 'log',
      ...this.extraEnv,
    };
  }

  async start(apps: AppName[] = ['config', 'crm-sync', 'incoming', 'outgoing']): Promise<this> {
    this.db ??= await (this.infra.database?.() ?? createTestDatabase('mr_e2e_'));
    await Promise.all(apps.map((app) => this.startApp(app)));
    return this;
  }

  async startApp(app: AppName): Promise<ServiceProcess> {
    const port = this.ports.get(app) ?? (await freePort());
    this.ports.set(app, port);
    const svc = new ServiceProcess(app, this.env(), port, this.prefix);
    this.services.set(app, svc);
    await svc.start();
    return svc;
  }

  service(app: AppName): ServiceProcess {
    const s = this.services.get(app);
    if (!s) throw new Error(`${app} not started`);
    return s;
  }

  url(app: AppName): string {
    return `http://127.0.0.1:${this.ports.get(app) ?? DEFAULT_PORTS[app]}`;
  }

  /** JSON request to config (/api/…) or crm-sync (/crm/…); throws with the body on an unexpected status. */
  async call<T = unknown>(method: string, path: string, body?: unknown, expectStatus?: number): Promise<T> {
    const app: AppName = path.startsWith('/crm/') ? 'crm-sync' : 'config';
    const res = await fetch(this.url(app) + path, {
      method,
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const parsed = text ? JSON.parse(text) : undefined;
    if (expectStatus !== undefined ? res.status !== expectStatus : !res.ok) {
      throw new Error(`${method} ${path} → ${res.status}: ${text}`);
    }
    return parsed as T;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.services.values()].map((s) => s.stop()));
    // A private NATS is thrown away whole by its owner.
    if (!this.infra.natsUrl) await deleteNatsPrefix(this.prefix).catch(() => undefined);
    await this.db?.drop().catch(() => undefined);
  }
}
