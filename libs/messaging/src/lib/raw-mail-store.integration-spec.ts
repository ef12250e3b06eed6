import { connect, headers, NatsConnection } from 'nats';
import { createHash, randomBytes } from 'node:crypto';
import { prefixed, streamName } from '@mailrouter/contracts';
import { deleteNatsPrefix, testNatsPrefix, TEST_NATS_URL } from '@mailrouter/testing';
import { RAW_INLINE_MAX_BYTES, RAW_SHA256_HEADER, RawMailStore } from './raw-mail-store';

describe('RawMailStore over a real NATS JetStream', () => {
  const prefix = testNatsPrefix();
  let nc: NatsConnection;
  let raws: RawMailStore;

  beforeAll(async () => {
    nc = await connect({ servers: TEST_NATS_URL });
    raws = new RawMailStore(nc, { prefix } as never);
  });

  afterAll(async () => {
    await nc.drain();
    await deleteNatsPrefix(prefix);
  });

  async function objectNames(): Promise<string[]> {
    const os = await nc.jetstream().views.os(raws.bucket);
    return (await os.list()).filter((o) => !o.deleted).map((o) => o.name);
  }

  it('keeps small messages in the raw-mail stream and large ones in the object store; reads find both', async () => {
    const small = Buffer.from('Subject: hi\r\n\r\nbody\r\n');
    const large = randomBytes(RAW_INLINE_MAX_BYTES + 1);
    const key = 'mbx.1:pop3:a*b>c d';
    const s = await raws.put(key, small);
    const l = await raws.put('mbx:imap:1:8', large);
    expect(s).toMatchObject({ key, size: small.length, bucket: raws.bucket });
    expect(s.sha256).toBe(createHash('sha256').update(small).digest('hex'));
    expect(Buffer.from((await raws.get(key))!).equals(small)).toBe(true);
    expect(Buffer.from((await raws.get('mbx:imap:1:8'))!).equals(large)).toBe(true);
    expect(l.size).toBe(large.length);
    expect(await objectNames()).toEqual(['mbx:imap:1:8']);
    const info = await (await nc.jetstreamManager()).streams.info(streamName(prefix, 'RAW_MAIL'));
    expect(info.state.messages).toBe(1);
    expect(await raws.get('unknown')).toBeNull();
  });

  it('stores the same key again idempotently, and again after a delete', async () => {
    const data = Buffer.from('Subject: again\r\n\r\nx\r\n');
    await raws.put('k-again', data);
    await raws.put('k-again', data);
    const jsm = await nc.jetstreamManager();
    const subjects = await jsm.streams.info(streamName(prefix, 'RAW_MAIL'), { subjects_filter: '>' });
    expect(Object.values(subjects.state.subjects ?? {}).every((n) => n === 1)).toBe(true);
    await raws.delete('k-again');
    expect(await raws.get('k-again')).toBeNull();
    await raws.put('k-again', data);
    expect(Buffer.from((await raws.get('k-again'))!).equals(data)).toBe(true);
    await raws.put('k-big', randomBytes(RAW_INLINE_MAX_BYTES + 10));
    await raws.delete('k-big');
    expect(await raws.get('k-big')).toBeNull();
  });

  it('refuses an inline message whose bytes do not match its SHA-256', async () => {
    await raws.put('k-corrupt', Buffer.from('original'));
    const h = headers();
    h.set(RAW_SHA256_HEADER, '0'.repeat(64));
    const subject = prefixed(prefix, `raw.${Buffer.from('k-corrupt').toString('base64url')}`);
    await nc.jetstream().publish(subject, Buffer.from('tampered'), { headers: h });
    await expect(raws.get('k-corrupt')).rejects.toThrow(/corrupt/);
  });
});
