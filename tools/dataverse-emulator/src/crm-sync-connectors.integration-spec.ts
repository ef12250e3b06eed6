/**
 * crm-sync's per-deployment connectors against the emulator (crm-sync in this process): load
 * data over NATS request-reply from a dataverse connection, and the registry's choice, caching
 * and rebuilding of connectors as the published configuration changes.
 */
import { randomBytes } from 'node:crypto';
import type { PublishedConfigInputV1 } from '@mailrouter/contracts';
import { DataverseConnector } from '@mailrouter/crm-dataverse';
import { ConfigStore, RpcClient } from '@mailrouter/messaging';
import { decodeSecretKey, sealSecret } from '@mailrouter/platform';
import { createTestDatabase, deleteNatsPrefix, TestDatabase, testNatsPrefix, TEST_NATS_URL, waitFor } from '@mailrouter/testing';
import { CrmConnectors } from '../../../apps/crm-sync/src/connectors/crm-connectors.registry';
import { BuiltinCrmConnector } from '../../../apps/crm-sync/src/builtin-crm/builtin-crm.connector';
import { CrmSyncUnderTest, startCrmSync } from '../../../apps/crm-sync/src/testing/crm-sync.harness';
import { DataverseEmulator, startDataverseEmulator } from './emulator';

const CLIENT = { clientId: 'crm-sync-it', clientSecret: 'crm-sync-it-secret' };

describe('crm-sync connectors per deployment (Dataverse emulator, real PostgreSQL + NATS)', () => {
  const prefix = testNatsPrefix();
  const secretKey = randomBytes(32).toString('base64');
  let db: TestDatabase;
  let crm: CrmSyncUnderTest;
  let emu: DataverseEmulator;
  let ursula: string;

  const dataverse = (over: Record<string, unknown> = {}) => ({
    type: 'dataverse' as const, url: emu.url, tenantId: emu.tenantId, clientId: CLIENT.clientId,
    clientSecret: sealSecret(decodeSecretKey(secretKey), CLIENT.clientSecret), authority: emu.authority, ...over,
  });
  const config = (version: number, crmOver: Record<string, unknown> = {}): PublishedConfigInputV1 => ({
    schema: 'mailrouter.config.v1', version, publishedAt: new Date().toISOString(), mailboxes: [],
    deployments: [{ id: 'dv', name: 'Dataverse', crm: dataverse(crmOver) }, { id: 'bi', name: 'Built-in', crm: { type: 'builtin' } }],
  });

  beforeAll(async () => {
    emu = await startDataverseEmulator({ clients: [CLIENT] });
    ursula = emu.store.create('systemusers', { fullname: 'Ursula', internalemailaddress: 'ursula@contoso.test' }).systemuserid as string;
    emu.store.create('mailboxes', {
      name: 'Ursula', emailaddress: 'Ursula@Contoso.test', _regardingobjectid_value: ursula, regardingobjecttypecode: 'systemuser',
      incomingemaildeliverymethod: 2, outgoingemaildeliverymethod: 2, emailrouteraccessapproval: 1,
    });
    db = await createTestDatabase();
    crm = await startCrmSync({ DATABASE_URL: db.url, NATS_URL: TEST_NATS_URL, NATS_PREFIX: prefix, ROUTER_SECRET_KEY: secretKey, CLAIM_INTERVAL_MS: '200' });
  });

  afterAll(async () => {
    await crm?.close();
    await deleteNatsPrefix(prefix);
    await db?.drop();
    await emu?.close();
  });

  it('load data from a dataverse connection answers the users and queues the router serves', async () => {
    const reply = await crm.app.get(RpcClient).request('crmLoadData', { deploymentId: 'dv', crm: dataverse() });
    expect(reply).toEqual({ records: [{ crmId: ursula, kind: 'user', name: 'Ursula', address: 'ursula@contoso.test' }] });
    expect(emu.requests.filter((r) => r.kind === 'token')).toHaveLength(1);
  });

  it('a wrong client secret: load data fails with the token endpoint\'s message', async () => {
    const err = await crm.app.get(RpcClient).request('crmLoadData', {
      deploymentId: 'dv', crm: dataverse({ clientSecret: sealSecret(decodeSecretKey(secretKey), 'wrong') }),
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ message: expect.stringMatching(/^load data from the dataverse CRM failed: .*AADSTS7000215: Invalid client secret provided/) });
  });

  it('gives each deployment its connector, keeps it while the connection is unchanged, rebuilds it when it changes', async () => {
    const registry = crm.app.get(CrmConnectors);
    await crm.app.get(ConfigStore).write(config(1));
    await waitFor('configuration 1', () => crm.app.get(ConfigStore).current()?.version === 1);
    const first = await registry.forDeployment('dv');
    expect(first).toBeInstanceOf(DataverseConnector);
    expect((first as DataverseConnector).settings).toMatchObject({ url: emu.url, clientId: CLIENT.clientId, clientSecret: CLIENT.clientSecret });
    expect(await registry.forDeployment('dv')).toBe(first);
    expect(await registry.forDeployment('bi')).toBeInstanceOf(BuiltinCrmConnector);
    expect(await registry.forDeployment('unknown')).toBeInstanceOf(BuiltinCrmConnector);
    expect(await registry.forDeployment(undefined)).toBeInstanceOf(BuiltinCrmConnector);

    await crm.app.get(ConfigStore).write({ ...config(2), publishedAt: new Date(Date.now() + 1000).toISOString() });
    await waitFor('configuration 2', () => crm.app.get(ConfigStore).current()?.version === 2);
    expect(await registry.forDeployment('dv')).toBe(first);

    await crm.app.get(ConfigStore).write({ ...config(3, { clientId: 'another-app' }), publishedAt: new Date(Date.now() + 2000).toISOString() });
    await waitFor('configuration 3', () => crm.app.get(ConfigStore).current()?.version === 3);
    const rebuilt = await registry.forDeployment('dv');
    expect(rebuilt).not.toBe(first);
    expect((rebuilt as DataverseConnector).settings.clientId).toBe('another-app');
    expect(registry.claimTargets(crm.app.get(ConfigStore).current()!).map((t) => t.deploymentId)).toEqual([undefined, 'dv']);
  });
});
