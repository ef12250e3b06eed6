import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { connect, NatsConnection } from 'nats';
import {
  EVENTS, prefixed, PublishedConfigV1, SendCommandV1, SendResultV1, streamName,
} from '@mailrouter/contracts';
import { ConfigStore, EventPublisher, messagingSettingsFromEnv, natsMicroserviceOptions } from '@mailrouter/messaging';
import { migrateDatabase } from '@mailrouter/platform';
import { createTestDatabase, deleteNatsPrefix, TEST_NATS_URL, TestDatabase, testNatsPrefix, waitFor } from '@mailrouter/testing';

export const TEST_MAILBOX_ID = 'mbx-alice';
export const TEST_SENDER = 'alice@example.com';

type OutgoingEndpoint = NonNullable<PublishedConfigV1['mailboxes'][number]['outgoing']>;

/** A send command from Alice's mailbox to Bob; override what the test is about. */
export function testSendCommand(emailId: string, overrides: Partial<SendCommandV1> = {}): SendCommandV1 {
  return {
    emailId, claim: 1, deploymentId: 'dep-1', mailboxId: TEST_MAILBOX_ID,
    from: { address: TEST_SENDER, name: 'Alice' }, to: [{ address: 'bob@example.org', name: 'Bob' }], cc: [], bcc: [],
    subject: 'Your quote', trackingToken: 'CRM:00010042', text: 'Hello Bob', references: [],
    ...overrides,
  };
}

/** An SMTP endpoint on this machine without authentication (an SmtpSink's port). */
export function smtpEndpoint(port: number, overrides: Partial<OutgoingEndpoint> = {}): OutgoingEndpoint {
  return {
    profileId: 'smtp-profile', protocol: 'smtp', host: '127.0.0.1', port, security: 'none',
    auth: { type: 'none' }, allowInvalidCertificates: false, maxConnections: 2, ...overrides,
  };
}

/**
 * The outgoing app in-process, as it runs (HTTP app + NATS microservice), on a database and
 * NATS prefix of its own, with a published configuration of one mailbox (Alice's) whose
 * outgoing endpoint the test gives. For the app's integration specs.
 */
export class OutgoingApp {
  readonly prefix = testNatsPrefix();
  app!: INestApplication;
  nc!: NatsConnection;
  db!: TestDatabase;
  private readonly savedEnv = { ...process.env };

  /** `env` on top of the database, NATS and a random ROUTER_SECRET_KEY; `beforeInit` runs once the app is built (spies). */
  async start(endpoint: OutgoingEndpoint, env: Record<string, string>, beforeInit?: (app: INestApplication) => void | Promise<void>): Promise<this> {
    this.db = await createTestDatabase();
    Object.assign(process.env, {
      DATABASE_URL: this.db.url, NATS_URL: TEST_NATS_URL, NATS_PREFIX: this.prefix,
      ROUTER_SECRET_KEY: randomBytes(32).toString('base64'), ...env,
    });
    // Env first: the module reads it when it is imported (subjects, data source).
    const { AppModule } = await import('../app.module');
    const { dataSourceOptions } = await import('../data-source');
    await migrateDatabase(dataSourceOptions());
    this.nc = await connect({ servers: TEST_NATS_URL });
    const mod = await Test.createTestingModule({ imports: [AppModule] }).compile();
    this.app = mod.createNestApplication({ logger: ['error'] });
    this.app.connectMicroservice(natsMicroserviceOptions('outgoing', messagingSettingsFromEnv('outgoing')));
    await this.app.startAllMicroservices();
    await this.app.get(ConfigStore).write({
      schema: 'mailrouter.config.v1',
      version: 1,
      publishedAt: new Date().toISOString(),
      deployments: [{ id: 'dep-1', name: 'Test', crm: { type: 'builtin' } }],
      mailboxes: [{
        id: TEST_MAILBOX_ID, deploymentId: 'dep-1', kind: 'user', address: TEST_SENDER, enabled: true,
        deleteAfterProcessing: false, pollIntervalSeconds: 60, outgoing: endpoint,
      }],
    });
    await beforeInit?.(this.app);
    await this.app.init();
    return this;
  }

  async stop(): Promise<void> {
    await this.app?.close();
    await this.nc?.close();
    await this.db?.drop();
    await deleteNatsPrefix(this.prefix);
    process.env = this.savedEnv;
  }

  /** Publishes a send command as crm-sync does (msg id `<email>:claim:<n>`). */
  async publish(cmd: SendCommandV1, msgId = `${cmd.emailId}:claim:${cmd.claim}`): Promise<void> {
    await this.app.get(EventPublisher).publish('sendCommand', cmd, msgId);
  }

  /** Every sendResult in the stream for this email (what crm-sync would read). */
  async resultsInStream(emailId: string): Promise<SendResultV1[]> {
    const jsm = await this.nc.jetstreamManager();
    const stream = streamName(this.prefix, EVENTS.sendResult.stream);
    const info = await jsm.streams.info(stream);
    const subject = prefixed(this.prefix, EVENTS.sendResult.subject);
    const found: SendResultV1[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
      const m = await jsm.streams.getMessage(stream, { seq }).catch(() => undefined);
      if (!m || m.subject !== subject) continue;
      const r = m.json<SendResultV1>();
      if (r.emailId === emailId) found.push(r);
    }
    return found;
  }

  /** The first result of an email, waited for. */
  async resultOf(emailId: string, timeoutMs = 60_000): Promise<SendResultV1> {
    const [r] = await waitFor(`the result of ${emailId}`, async () => {
      const rs = await this.resultsInStream(emailId);
      return rs.length ? rs : undefined;
    }, timeoutMs);
    return r;
  }
}
