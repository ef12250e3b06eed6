import { connect, NatsConnection } from 'nats';
import { DataSource } from 'typeorm';
import { RawMailStore } from '@mailrouter/messaging';
import { migrateDatabase } from '@mailrouter/platform';
import {
  buildMime, createTestDatabase, deleteNatsPrefix, TestDatabase, testNatsPrefix, TEST_NATS_URL,
} from '@mailrouter/testing';
import { dataSourceOptions } from '../data-source';
import { ReceivedMessageEntity, TOO_LARGE_REASON } from '../entities/received-message.entity';
import { IncomingTraceRepository } from './incoming-trace.repository';
import { IncomingTraceUseCase } from './incoming-trace.usecase';

const MAILBOX = '3c1f6a52-1d0e-4b7a-9f3e-2a6b8c0d4e1f';

describe('incomingTrace: what incoming found, published and settled', () => {
  const prefix = testNatsPrefix();
  let db: TestDatabase;
  let ds: DataSource;
  let nc: NatsConnection;
  let trace: IncomingTraceUseCase;

  const row = (uid: number, over: Partial<ReceivedMessageEntity>) => ({
    receivedId: `${MAILBOX}:imap:1:${uid}`, mailboxId: MAILBOX, protocol: 'imap' as const, uidvalidity: 1, uid, uidl: null,
    rawKey: null, size: 100, sha256: null, state: 'published' as const, ...over,
  });

  beforeAll(async () => {
    db = await createTestDatabase();
    const options = dataSourceOptions({ ...process.env, DATABASE_URL: db.url });
    await migrateDatabase(options);
    ds = await new DataSource(options).initialize();
    nc = await connect({ servers: TEST_NATS_URL });
    const raws = new RawMailStore(nc, { prefix } as never);
    trace = new IncomingTraceUseCase(new IncomingTraceRepository(ds.getRepository(ReceivedMessageEntity), raws));

    const waiting = await buildMime({
      from: 'Dave <Dave@Example.NET>', to: 'alice@contoso.test', cc: 'bob@contoso.test', subject: 'Quarterly numbers', messageId: '<q-1@Example.NET>', text: 'x',
    });
    await raws.put('raw-2', waiting);
    await ds.manager.insert(ReceivedMessageEntity, [
      row(1, {
        state: 'settled', outcome: 'tracked', reason: 'accept-all', reasonText: 'Alice tracks all incoming email', activityId: 'a-1',
        verdictAt: new Date('2026-01-02T10:00:05Z'), settledAt: new Date('2026-01-02T10:00:06Z'),
      }),
      row(2, { rawKey: 'raw-2', size: waiting.length }),
      row(3, { state: 'settled', outcome: 'quarantined', reason: TOO_LARGE_REASON, reasonText: '90000000 bytes is over MAX_MESSAGE_BYTES', size: 90_000_000, settledAt: new Date() }),
      row(4, { rawKey: 'raw-gone' }),
    ]);
  });

  afterAll(async () => {
    await nc?.close();
    await ds?.destroy();
    await deleteNatsPrefix(prefix);
    await db?.drop();
  });

  it('lists the messages of a mailbox with their state, verdict and too-large mark', async () => {
    const { messages } = await trace.execute({ mailboxId: MAILBOX, limit: 10 });
    const byUid = new Map(messages.map((m) => [m.receivedId.split(':').at(-1), m]));
    expect(byUid.size).toBe(4);
    expect(byUid.get('1')).toMatchObject({
      state: 'settled', outcome: 'tracked', reason: 'accept-all', activityId: 'a-1', tooLarge: false,
      verdictAt: '2026-01-02T10:00:05.000Z', settledAt: '2026-01-02T10:00:06.000Z',
    });
    expect(byUid.get('2')).toMatchObject({
      state: 'published', tooLarge: false, messageId: '<q-1@example.net>', subject: 'Quarterly numbers', from: 'dave@example.net',
      to: ['alice@contoso.test', 'bob@contoso.test'],
    });
    expect(byUid.get('2')!.outcome).toBeUndefined();
    expect(byUid.get('3')).toMatchObject({ state: 'settled', outcome: 'quarantined', reason: 'too-large', tooLarge: true, size: 90_000_000 });
    expect((await trace.execute({ mailboxId: 'another', limit: 10 })).messages).toEqual([]);
    expect((await trace.execute({ direction: 'outgoing', limit: 10 })).messages).toEqual([]);
  });

  it('matches header filters on the stored headers of messages awaiting a verdict', async () => {
    const byId = await trace.execute({ messageId: '<q-1@example.net>', limit: 10 });
    expect(byId.messages.map((m) => m.receivedId)).toEqual([`${MAILBOX}:imap:1:2`]);
    expect((await trace.execute({ address: 'bob@contoso.test', limit: 10 })).messages).toHaveLength(1);
    expect((await trace.execute({ subject: 'quarterly', limit: 10 })).messages).toHaveLength(1);
    expect((await trace.execute({ subject: 'annual', limit: 10 })).messages).toEqual([]);
  });

  it('answers for named messages whatever their state', async () => {
    const { messages } = await trace.execute({ receivedIds: [`${MAILBOX}:imap:1:1`, `${MAILBOX}:imap:1:3`, 'unknown'], limit: 2 });
    expect(messages.map((m) => m.receivedId).sort()).toEqual([`${MAILBOX}:imap:1:1`, `${MAILBOX}:imap:1:3`]);
  });
});
