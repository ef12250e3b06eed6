import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { migrateDatabase } from '@mailrouter/platform';
import { createTestDatabase, TestDatabase } from '@mailrouter/testing';
import { dataSourceOptions } from '../data-source';
import { EmailEntity, EmailPartyEntity } from '../builtin-crm/entities/email.entity';
import { ReceivedMailEntity } from '../builtin-crm/entities/trail.entity';
import { CrmTraceRepository } from './crm-trace.repository';
import { CrmTraceUseCase } from './crm-trace.usecase';

const ALICE = randomUUID();
const CAROL = randomUUID();
const MAILBOX = randomUUID();

describe('crmTrace: the trail and the CRM email, read from PostgreSQL', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let trace: CrmTraceUseCase;
  const activityId = randomUUID();
  const outgoingId = randomUUID();

  const email = (over: Partial<EmailEntity>) => ({
    direction: 'incoming', status: 'received', ownerType: 'user', ownerId: ALICE, subject: '', bodyText: null, bodyHtml: null,
    messageId: null, inReplyTo: null, references: [], trackingToken: null, regardingType: null, regardingId: null, receivedId: null,
    ...over,
  });
  const party = (emailId: string, role: string, address: string, position: number, recordId: string | null = null) => ({
    emailId, role, address, name: null, recordType: recordId ? (recordId === ALICE ? 'user' : 'contact') : null, recordId, position,
  });
  const trail = (over: Partial<ReceivedMailEntity>) => ({
    receivedId: `${MAILBOX}:imap:1:${Math.floor(Math.random() * 1e9)}`, mailboxId: MAILBOX, messageId: null, subject: null, fromAddress: null,
    outcome: 'ignored', reason: 'no-correlation-match', reasonText: 'x', activityId: null, decidedAt: new Date(), ...over,
  });

  beforeAll(async () => {
    db = await createTestDatabase();
    const options = dataSourceOptions({ ...process.env, DATABASE_URL: db.url });
    await migrateDatabase(options);
    ds = await new DataSource(options).initialize();
    trace = new CrmTraceUseCase(new CrmTraceRepository(ds));
    await ds.manager.insert(EmailEntity, [
      email({ id: activityId, subject: 'RE: offer CRM:0001001', messageId: '<reply-1@example.net>', receivedId: `${MAILBOX}:imap:1:7` }),
      email({
        id: outgoingId, direction: 'outgoing', status: 'failed', subject: 'offer', messageId: '<mr.1@contoso.test>',
        deliveryAttempts: 3, failureReason: '550 5.1.1 user unknown',
      }),
    ]);
    await ds.manager.insert(EmailPartyEntity, [
      party(activityId, 'from', 'carol@example.net', 0, CAROL), party(activityId, 'to', 'alice@contoso.test', 1, ALICE),
      party(outgoingId, 'from', 'alice@contoso.test', 0, ALICE), party(outgoingId, 'to', 'nobody@example.org', 1),
    ]);
    await ds.manager.insert(ReceivedMailEntity, [
      trail({
        receivedId: `${MAILBOX}:imap:1:7`, messageId: '<reply-1@example.net>', subject: 'RE: offer CRM:0001001', fromAddress: 'carol@example.net',
        outcome: 'tracked', reason: 'correlation-match', reasonText: `a response to tracked email ${outgoingId} (tracking token)`, activityId,
        decidedAt: new Date('2026-01-02T10:00:00Z'),
      }),
      trail({
        messageId: '<news@example.org>', subject: 'Newsletter 100% free_stuff', fromAddress: 'news@example.org',
        reasonText: 'Alice tracks only responses to CRM email, and this is not one', decidedAt: new Date('2026-01-03T10:00:00Z'),
      }),
    ]);
  });

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('explains a tracked reply with its correlation and parties, and a failed send with its reason', async () => {
    const answer = await trace.execute({ messageId: '<reply-1@example.net>', limit: 10 });
    expect(answer.outgoing).toEqual([]);
    expect(answer.received).toEqual([{
      receivedId: `${MAILBOX}:imap:1:7`, mailboxId: MAILBOX, messageId: '<reply-1@example.net>', subject: 'RE: offer CRM:0001001',
      from: 'carol@example.net', to: ['alice@contoso.test'], decidedAt: '2026-01-02T10:00:00.000Z',
      verdict: {
        outcome: 'tracked', reason: 'correlation-match', reasonText: `a response to tracked email ${outgoingId} (tracking token)`,
        correlation: { activityId, rule: 'tracking token' },
      },
      activityId,
      parties: [
        { role: 'from', address: 'carol@example.net', recordType: 'contact', recordId: CAROL },
        { role: 'to', address: 'alice@contoso.test', recordType: 'user', recordId: ALICE },
      ],
    }]);
    const sent = await trace.execute({ address: 'nobody@example.org', limit: 10 });
    expect(sent.received).toEqual([]);
    expect(sent.outgoing).toEqual([{
      emailId: outgoingId, messageId: '<mr.1@contoso.test>', subject: 'offer', from: 'alice@contoso.test', to: ['nobody@example.org'],
      status: 'failed', deliveryAttempts: 3, failureReason: '550 5.1.1 user unknown', createdAt: expect.any(String),
    }]);
  });

  it('filters by address (sender or party), subject (literally, case-insensitive), mailbox owner, window and direction', async () => {
    const byParty = await trace.execute({ address: 'alice@contoso.test', limit: 10 });
    expect(byParty.received.map((r) => r.messageId)).toEqual(['<reply-1@example.net>']);
    expect(byParty.outgoing.map((e) => e.emailId)).toEqual([outgoingId]);
    const bySubject = await trace.execute({ subject: '100% FREE_', limit: 10 });
    expect(bySubject.received.map((r) => r.messageId)).toEqual(['<news@example.org>']);
    expect(bySubject.received[0]).toMatchObject({ verdict: { outcome: 'ignored', reason: 'no-correlation-match' }, to: [], parties: [] });
    expect((await trace.execute({ subject: '100%_free', limit: 10 })).received).toEqual([]);
    const window = await trace.execute({ since: '2026-01-03T00:00:00Z', direction: 'incoming', limit: 10 });
    expect(window.received.map((r) => r.messageId)).toEqual(['<news@example.org>']);
    expect(window.outgoing).toEqual([]);
    const owner = await trace.execute({ mailboxId: MAILBOX, ownerId: ALICE, direction: 'outgoing', limit: 10 });
    expect(owner.outgoing.map((e) => e.emailId)).toEqual([outgoingId]);
    expect((await trace.execute({ mailboxId: MAILBOX, ownerId: CAROL, limit: 10 })).outgoing).toEqual([]);
    expect((await trace.execute({ mailboxId: MAILBOX, limit: 1 })).received).toHaveLength(1);
  });
});
