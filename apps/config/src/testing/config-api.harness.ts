import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { connect, JSONCodec, NatsConnection, Subscription } from 'nats';
import { prefixed, RPCS, RpcName } from '@mailrouter/contracts';
import { migrateDatabase } from '@mailrouter/platform';
import { ConfigApiModule } from '../app.module';
import { dataSourceOptions } from '../data-source';

/** For integration tests: the config API in-process on a random port, with its own DB and NATS prefix. */
export interface ConfigApiUnderTest {
  app: INestApplication;
  baseUrl: string;
  token: string;
  secretKey: string;
  call<T = unknown>(method: string, path: string, body?: unknown, token?: string | null): Promise<{ status: number; body: T; text: string }>;
  close(): Promise<void>;
}

export async function startConfigApi(opts: {
  databaseUrl: string;
  natsUrl: string;
  prefix: string;
  env?: Record<string, string>;
}): Promise<ConfigApiUnderTest> {
  const token = randomBytes(20).toString('hex');
  const secretKey = randomBytes(32).toString('base64');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: opts.databaseUrl,
    NATS_URL: opts.natsUrl,
    NATS_PREFIX: opts.prefix,
    ROUTER_API_TOKEN: token,
    ROUTER_SECRET_KEY: secretKey,
    ...opts.env,
  };
  await migrateDatabase(dataSourceOptions(env));
  const moduleRef = await Test.createTestingModule({
    imports: [ConfigApiModule.forEnv(env, { url: opts.natsUrl, prefix: opts.prefix, clientName: 'config-spec' })],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: ['error', 'warn'] });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    app,
    baseUrl,
    token,
    secretKey,
    async call(method, path, body, asToken = token) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (asToken !== null) headers.authorization = `Bearer ${asToken}`;
      const res = await fetch(baseUrl + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : undefined) as never, text };
    },
    close: () => app.close(),
  };
}

/**
 * A stand-in for another service's request-reply handler, speaking the NestJS NATS transport's
 * wire format (`{pattern, data, id}` in, `{id, response | err, isDisposed}` out).
 */
export class FakeResponder {
  readonly requests: { name: RpcName; data: unknown }[] = [];
  private nc?: NatsConnection;
  private readonly subs: Subscription[] = [];
  private readonly codec = JSONCodec<Record<string, unknown>>();

  constructor(private readonly natsUrl: string, private readonly prefix: string) {}

  async answer(name: RpcName, reply: (data: unknown) => { response?: unknown; err?: unknown }): Promise<void> {
    this.nc ??= await connect({ servers: this.natsUrl });
    const sub = this.nc.subscribe(prefixed(this.prefix, RPCS[name].subject), {
      callback: (_e, msg) => {
        const packet = this.codec.decode(msg.data);
        this.requests.push({ name, data: packet.data });
        msg.respond(this.codec.encode({ id: packet.id, ...reply(packet.data), isDisposed: true }));
      },
    });
    this.subs.push(sub);
    await this.nc.flush();
  }

  /** Receives requests and never answers (a hung service). */
  async ignore(name: RpcName): Promise<void> {
    this.nc ??= await connect({ servers: this.natsUrl });
    this.subs.push(this.nc.subscribe(prefixed(this.prefix, RPCS[name].subject), {
      callback: (_e, msg) => this.requests.push({ name, data: this.codec.decode(msg.data).data }),
    }));
    await this.nc.flush();
  }

  async stopAll(): Promise<void> {
    this.subs.splice(0).forEach((s) => s.unsubscribe());
    await this.nc?.flush();
  }

  async close(): Promise<void> {
    await this.stopAll();
    await this.nc?.close();
  }
}
