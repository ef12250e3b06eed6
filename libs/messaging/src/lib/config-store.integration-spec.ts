import { connect, NatsConnection } from 'nats';
import { CONFIG_KV_KEYS, PublishedConfigV1 } from '@mailrouter/contracts';
import { deleteNatsPrefix, testNatsPrefix, TEST_NATS_URL, waitFor } from '@mailrouter/testing';
import { CONFIG_CHUNK_BYTES, ConfigStore } from './config-store';

/** A configuration of `n` mailboxes (~300 bytes of JSON each). */
function config(version: number, n: number): PublishedConfigV1 {
  return {
    schema: 'mailrouter.config.v1', version, publishedAt: new Date(Date.now() + version).toISOString(), deployments: [],
    mailboxes: Array.from({ length: n }, (_, i) => ({
      id: `mbx-${version}-${i}`, deploymentId: 'd1', kind: 'user' as const, address: `user${i}@example.com`, crmId: `crm-${i}`,
      enabled: true, deleteAfterProcessing: false, pollIntervalSeconds: 300,
    })),
  };
}

describe('ConfigStore over a real NATS JetStream', () => {
  const prefix = testNatsPrefix();
  let nc: NatsConnection;
  let writer: ConfigStore;
  let reader: ConfigStore;

  beforeAll(async () => {
    nc = await connect({ servers: TEST_NATS_URL });
    writer = new ConfigStore(nc, { prefix } as never);
    reader = new ConfigStore(nc, { prefix } as never);
  });

  afterAll(async () => {
    reader.onModuleDestroy();
    await nc.drain();
    await deleteNatsPrefix(prefix);
  });

  it('writes, reads and delivers a configuration larger than a NATS message (max_payload)', async () => {
    const small = config(1, 3);
    const large = config(2, 6_000);
    const largeBytes = Buffer.byteLength(JSON.stringify(large));
    expect(largeBytes).toBeGreaterThan(nc.info!.max_payload);
    expect(largeBytes).toBeGreaterThan(2 * CONFIG_CHUNK_BYTES);

    await writer.write(small);
    const seen: PublishedConfigV1[] = [];
    await reader.watch((c) => {
      seen.push(c);
    });
    await waitFor('the small version', () => seen.length === 1);
    expect(reader.current()).toEqual(small);

    await writer.write(large);
    await waitFor('the large version', () => seen.length === 2);
    expect(seen[1]).toEqual(large);
    expect(reader.current()?.mailboxes).toHaveLength(6_000);
    expect(await reader.read()).toEqual(large);
    expect(await reader.read(CONFIG_KV_KEYS.version(2))).toEqual(large);
    expect(await reader.read(CONFIG_KV_KEYS.version(1))).toEqual(small);

    // A small version stays a single value other tools can read as it is.
    const kv = await nc.jetstream().views.kv(writer.bucket);
    expect((await kv.get(CONFIG_KV_KEYS.version(1)))!.json()).toEqual(small);
    await writer.write(config(3, 2));
    await waitFor('back to a small version', () => seen.length === 3);
    expect(reader.current()?.version).toBe(3);
  });

  it('refuses a chunked version whose chunks do not match its manifest', async () => {
    await writer.write(config(4, 6_000));
    const kv = await nc.jetstream().views.kv(writer.bucket);
    await kv.put(`${CONFIG_KV_KEYS.version(4)}.chunk.1`, Buffer.from('tampered'));
    await expect(writer.read(CONFIG_KV_KEYS.version(4))).rejects.toThrow(/do not match/);
  });
});
