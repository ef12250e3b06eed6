import type { MailboxRefV1, MailVerdictV1, PublishedConfigInputV1 } from '@mailrouter/contracts';
import { ConfigStore, EventConsumers, EventPublisher, RawMailStore } from '@mailrouter/messaging';
// Test-only helper, imported by the *.integration-spec.ts files only (the lint rule allows the testing lib in those).
// eslint-disable-next-line @nx/enforce-module-boundaries
import { buildMime, createTestDatabase, deleteNatsPrefix, TestDatabase, testNatsPrefix, TEST_NATS_URL, TestMail, uniqueName, waitFor } from '@mailrouter/testing';
import { CrmSyncUnderTest, startCrmSync } from '../testing/crm-sync.harness';

type DeploymentInput = PublishedConfigInputV1['deployments'][number];
type TrackingInput = NonNullable<DeploymentInput['tracking']>;

/**
 * crm-sync on a fresh database and NATS prefix, driven as `incoming` and `config` would:
 * published configurations, received mail (raw in the object store + mailReceived), verdicts.
 */
export class TrackingWorld {
  readonly verdicts: MailVerdictV1[] = [];
  private version = 0;
  private mailboxes: PublishedConfigInputV1['mailboxes'] = [];
  private deployments: DeploymentInput[] = [];

  private constructor(readonly crm: CrmSyncUnderTest, private readonly db: TestDatabase, private readonly prefix: string) {}

  static async start(env: Record<string, string> = {}): Promise<TrackingWorld> {
    const prefix = testNatsPrefix();
    const db = await createTestDatabase();
    const crm = await startCrmSync({
      DATABASE_URL: db.url, NATS_URL: TEST_NATS_URL, NATS_PREFIX: prefix,
      CONSUMER_BACKOFF_INITIAL_MS: '100', CONSUMER_BACKOFF_MAX_MS: '500', ...env,
    });
    const world = new TrackingWorld(crm, db, prefix);
    await crm.app.get(EventConsumers).start({
      event: 'mailVerdict', durable: 'spec-verdicts',
      handle: async (v) => void world.verdicts.push(v),
      quarantine: async () => undefined,
    });
    return world;
  }

  async close(): Promise<void> {
    await this.crm?.close();
    await deleteNatsPrefix(this.prefix);
    await this.db?.drop();
  }

  async create(kind: string, body: Record<string, unknown>): Promise<string> {
    const res = await this.crm.api('POST', `/crm/v1/${kind}`, body);
    if (res.status !== 201) throw new Error(`POST /crm/v1/${kind}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.id;
  }

  /** Publishes a configuration with this deployment (replacing one of the same id) and waits until crm-sync runs it. */
  async deployment(id: string, tracking: TrackingInput = {}, owners: { kind: 'user' | 'queue'; crmId: string; address: string }[] = []): Promise<void> {
    this.deployments = [...this.deployments.filter((d) => d.id !== id), { id, name: id, crm: { type: 'builtin' }, tracking }];
    this.mailboxes = [
      ...this.mailboxes.filter((m) => !owners.some((o) => o.crmId === m.crmId)),
      ...owners.map((o) => ({
        id: `mbx-${o.crmId.slice(0, 8)}`, deploymentId: id, kind: o.kind, address: o.address, crmId: o.crmId,
        enabled: true, deleteAfterProcessing: false, pollIntervalSeconds: 60,
        outgoing: { profileId: 'p-smtp', protocol: 'smtp' as const, host: '127.0.0.1', port: 1, security: 'none' as const, auth: { type: 'none' as const } },
      })),
    ];
    const version = ++this.version;
    const configs = this.crm.app.get(ConfigStore);
    await configs.write({
      schema: 'mailrouter.config.v1', version, publishedAt: new Date().toISOString(),
      deployments: this.deployments, mailboxes: this.mailboxes,
    });
    await waitFor(`configuration ${version} to be running`, () => configs.current()?.version === version);
  }

  box(kind: 'user' | 'queue', crmId: string, address: string): MailboxRefV1 {
    return { id: `mbx-${crmId.slice(0, 8)}`, kind, address, crmId };
  }

  /**
   * Stores the raw MIME and publishes mailReceived for the deployment, as `incoming` does; returns
   * the verdict. `deliveries` > 1 publishes the same event that many times (other message ids, so
   * JetStream keeps each): a republish racing the first delivery.
   */
  async receive(box: MailboxRefV1, mail: TestMail | Buffer, deploymentId = 'd-default', deliveries = 1): Promise<MailVerdictV1> {
    const raw = Buffer.isBuffer(mail) ? mail : await buildMime(mail);
    const receivedId = uniqueName(`${box.id}:imap:1:`);
    const stored = await this.crm.app.get(RawMailStore).put(receivedId, raw);
    const event = {
      receivedId, mailbox: box, deploymentId, configVersion: this.version || 1, protocol: 'imap' as const, raw: stored, receivedAt: new Date().toISOString(),
    };
    await Promise.all(Array.from({ length: deliveries }, (_, i) =>
      this.crm.app.get(EventPublisher).publish('mailReceived', event, i === 0 ? receivedId : `${receivedId}#${i + 1}`)));
    return waitFor(`verdict for ${receivedId}`, () => this.verdicts.find((v) => v.receivedId === receivedId));
  }

  /** Composes and sends an email from a user, and records it sent with this Message-ID (as `outgoing` would report). */
  async sent(body: Record<string, unknown>, messageId = `<${uniqueName('sent')}@ours.test>`): Promise<{ id: string; trackingToken: string | null; messageId: string }> {
    const res = await this.crm.api('POST', '/crm/v1/emails', { ...body, send: true });
    if (res.status !== 201) throw new Error(`compose: ${res.status} ${JSON.stringify(res.body)}`);
    await this.crm.app.get(EventPublisher).publish('sendResult', {
      emailId: res.body.id, outcome: 'sent', messageId, deliveryAttempts: 1, possibleDuplicate: false, completedAt: new Date().toISOString(),
    }, `${res.body.id}:result`);
    await waitFor('the email to be sent', async () => (await this.email(res.body.id)).status === 'sent');
    return { id: res.body.id, trackingToken: res.body.trackingToken, messageId };
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async email(id: string): Promise<any> {
    return (await this.crm.api('GET', `/crm/v1/emails/${id}`)).body;
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async trail(receivedId: string): Promise<any> {
    return (await this.crm.api('GET', `/crm/v1/received/${encodeURIComponent(receivedId)}`)).body;
  }
}
