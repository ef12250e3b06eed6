import { randomBytes } from 'node:crypto';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * What a test passes in from @mailrouter/testing (the app itself may not depend on the testing
 * lib, so the spec hands its functions over).
 */
export interface TestingKit {
  createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }>;
  testNatsPrefix(): string;
  deleteNatsPrefix(prefix: string): Promise<void>;
  freePort(): Promise<number>;
  natsUrl: string;
  startService(app: 'config' | 'incoming' | 'outgoing', env: Record<string, string>, port: number, label: string): Promise<{ stop(): Promise<void> }>;
}

/** A real config service (its own process, database and NATS prefix), as an admin's CLI meets it. */
export class ConfigService {
  readonly token = randomBytes(20).toString('hex');
  readonly secretKey = randomBytes(32).toString('base64');
  readonly prefix: string;
  dbUrl = '';
  url = '';
  private db?: { url: string; drop(): Promise<void> };
  private readonly procs: { stop(): Promise<void> }[] = [];
  private serviceEnv: Record<string, string> = {};

  constructor(private readonly kit: TestingKit) {
    this.prefix = kit.testNatsPrefix();
  }

  async start(label: string): Promise<this> {
    this.db = await this.kit.createTestDatabase();
    this.dbUrl = this.db.url;
    const port = await this.kit.freePort();
    this.url = `http://127.0.0.1:${port}`;
    const env = {
      DATABASE_URL: this.db.url, NATS_URL: this.kit.natsUrl, NATS_PREFIX: this.prefix,
      ROUTER_API_TOKEN: this.token, ROUTER_SECRET_KEY: this.secretKey, LOG_LEVEL: 'warn',
    };
    this.serviceEnv = env;
    this.procs.push(await this.kit.startService('config', env, port, label));
    return this;
  }

  /** Another service on the same database, key and NATS prefix (config asks it over NATS). */
  async startApp(app: 'incoming' | 'outgoing', label: string): Promise<void> {
    this.procs.push(await this.kit.startService(app, this.serviceEnv, await this.kit.freePort(), label));
  }

  async call(method: string, path: string, body?: unknown): Promise<Json> {
    const res = await fetch(this.url + path, {
      method, headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${text}`);
    return text ? JSON.parse(text) : {};
  }

  /** The CLI's environment for this service (and nothing of the test process's own). */
  env(extra: Record<string, string> = {}): Record<string, string> {
    return { MAILROUTER_URL: this.url, MAILROUTER_TOKEN: this.token, ...extra };
  }

  async live(): Promise<Json> {
    return { profiles: await this.call('GET', '/api/v1/profiles'), deployments: await this.call('GET', '/api/v1/deployments'), mailboxes: await this.call('GET', '/api/v1/mailboxes') };
  }

  async stop(): Promise<void> {
    await Promise.all(this.procs.map((p) => p.stop()));
    await this.kit.deleteNatsPrefix(this.prefix);
    await this.db?.drop();
  }
}
