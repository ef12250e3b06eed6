import type { CrmTraceReplyV1, IncomingTraceMessageV1, TraceRequestV1 } from '@mailrouter/contracts';
import { createTestDatabase, deleteNatsPrefix, TestDatabase, testNatsPrefix, TEST_NATS_URL } from '@mailrouter/testing';
import { ConfigApiUnderTest, FakeResponder, startConfigApi } from './testing/config-api.harness';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const OWNER_ID = '0b7e6c1a-5d2f-4e3a-9c8b-7a6f5e4d3c2b';
const ACTIVITY_ID = '5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d';
const EMAIL_ID = '9f8e7d6c-5b4a-4c3d-2e1f-0a9b8c7d6e5f';

describe('config API: trace (merging crm-sync and incoming over NATS request-reply)', () => {
  const prefix = testNatsPrefix();
  let db: TestDatabase;
  let api: ConfigApiUnderTest;
  let responder: FakeResponder;
  let mailbox: Json;
  let crmReply: CrmTraceReplyV1;
  let decided: IncomingTraceMessageV1;
  let awaiting: IncomingTraceMessageV1;

  const call = async (path: string, expected = 200): Promise<Json> => {
    const res = await api.call<Json>('GET', path);
    if (res.status !== expected) throw new Error(`GET ${path} → ${res.status} (wanted ${expected}): ${res.text}`);
    return res.body;
  };
  const incomingAnswers = () => responder.answer('incomingTrace', (data) => {
    const q = data as TraceRequestV1;
    if (q.receivedIds) return { response: { messages: [decided].filter((m) => q.receivedIds!.includes(m.receivedId)) } };
    return { response: { messages: [awaiting] } };
  });

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startConfigApi({ databaseUrl: db.url, natsUrl: TEST_NATS_URL, prefix, env: { TRACE_TIMEOUT_SECONDS: '1' } });
    responder = new FakeResponder(TEST_NATS_URL, prefix);
    const deployment = (await api.call<Json>('POST', '/api/v1/deployments', { name: 'Contoso' })).body;
    mailbox = (await api.call<Json>('POST', '/api/v1/mailboxes', {
      deploymentId: deployment.id, kind: 'user', address: 'alice@contoso.test', crmId: OWNER_ID,
    })).body;
    crmReply = {
      received: [{
        receivedId: `${mailbox.id}:imap:1:7`, mailboxId: mailbox.id, messageId: '<reply-1@example.net>', subject: 'RE: offer CRM:0001001',
        from: 'carol@example.net', to: ['alice@contoso.test'], decidedAt: '2026-01-02T10:00:05.000Z',
        verdict: {
          outcome: 'tracked', reason: 'correlation-match', reasonText: `a response to tracked email ${ACTIVITY_ID} (tracking token)`,
          correlation: { activityId: ACTIVITY_ID, rule: 'token' },
        },
        activityId: '1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f',
        parties: [
          { role: 'from', address: 'carol@example.net', recordType: 'contact', recordId: '2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e' },
          { role: 'to', address: 'alice@contoso.test', recordType: 'user', recordId: OWNER_ID },
        ],
      }],
      outgoing: [{
        emailId: EMAIL_ID, messageId: '<mr.x@contoso.test>', subject: 'offer CRM:0001001', from: 'alice@contoso.test', to: ['bounce@nowhere.test'],
        status: 'failed', deliveryAttempts: 1, failureReason: '550 5.1.1 user unknown', createdAt: '2026-01-02T09:00:00.000Z',
      }],
    };
    decided = {
      receivedId: `${mailbox.id}:imap:1:7`, mailboxId: mailbox.id, protocol: 'imap', receivedAt: '2026-01-02T10:00:00.000Z', size: 2048,
      state: 'settled', outcome: 'tracked', reason: 'correlation-match', reasonText: 'x', tooLarge: false,
      verdictAt: '2026-01-02T10:00:05.000Z', settledAt: '2026-01-02T10:00:06.000Z',
    };
    awaiting = {
      receivedId: `${mailbox.id}:imap:1:8`, mailboxId: mailbox.id, protocol: 'imap', receivedAt: '2026-01-02T11:00:00.000Z', size: 1024,
      state: 'published', tooLarge: false, messageId: '<new-1@example.net>', subject: 'hello', from: 'dave@example.net', to: ['alice@contoso.test'],
    };
  });

  afterEach(async () => {
    await responder.stopAll();
    responder.requests.splice(0);
  });

  afterAll(async () => {
    await responder?.close();
    await api?.close();
    await deleteNatsPrefix(prefix);
    await db?.drop();
  });

  it('merges both answers per message: verdict and correlation from the CRM, server state from incoming, outgoing email', async () => {
    await responder.answer('crmTrace', () => ({ response: crmReply }));
    await incomingAnswers();
    const answer = await call(`/api/v1/trace?mailboxId=${mailbox.id}&address=Carol@Example.NET&since=2026-01-01T00:00:00Z&limit=10`);
    expect(answer.partial).toBe(false);
    expect(answer.missing).toEqual([]);
    expect(answer.items.map((i: Json) => [i.direction, i.stage ?? i.status])).toEqual([
      ['incoming', 'awaiting-verdict'], ['incoming', 'settled'], ['outgoing', 'failed'],
    ]);
    const [pending, tracked, sent] = answer.items;
    expect(pending).toMatchObject({
      receivedId: awaiting.receivedId, messageId: '<new-1@example.net>', from: 'dave@example.net',
      mailbox: { id: mailbox.id, address: 'alice@contoso.test', kind: 'user' }, receivedAt: awaiting.receivedAt,
      server: { state: 'published', size: 1024, tooLarge: false },
    });
    expect(pending.verdict).toBeUndefined();
    expect(tracked).toMatchObject({
      direction: 'incoming', messageId: '<reply-1@example.net>', subject: 'RE: offer CRM:0001001', from: 'carol@example.net',
      to: ['alice@contoso.test'], mailbox: { address: 'alice@contoso.test' }, receivedAt: '2026-01-02T10:00:00.000Z',
      verdict: { outcome: 'tracked', reason: 'correlation-match', correlation: { activityId: ACTIVITY_ID, rule: 'token' } },
      activityId: crmReply.received[0].activityId,
      server: { state: 'settled', settledAt: '2026-01-02T10:00:06.000Z' },
    });
    expect(tracked.parties).toHaveLength(2);
    expect(sent).toEqual({ direction: 'outgoing', ...crmReply.outgoing[0] });

    const crmAsked = responder.requests.find((r) => r.name === 'crmTrace')!.data;
    expect(crmAsked).toEqual({ mailboxId: mailbox.id, ownerId: OWNER_ID, address: 'carol@example.net', since: '2026-01-01T00:00:00Z', limit: 10 });
    const incomingAsked = responder.requests.filter((r) => r.name === 'incomingTrace').map((r) => r.data);
    expect(incomingAsked).toEqual([crmAsked, { limit: 1, receivedIds: [decided.receivedId] }]);
  });

  it('answers with what crm-sync knows, saying incoming is missing, when incoming does not answer', async () => {
    await responder.answer('crmTrace', () => ({ response: crmReply }));
    await responder.ignore('incomingTrace');
    const answer = await call('/api/v1/trace?messageId=reply-1@EXAMPLE.net');
    expect(answer).toMatchObject({ partial: true, missing: ['incoming'] });
    expect(answer.problems).toEqual([{ service: 'incoming', message: 'incoming did not answer within 1 s' }]);
    expect(answer.items[0]).toMatchObject({ direction: 'incoming', stage: 'tracked', verdict: { outcome: 'tracked' } });
    expect(answer.items[0].server).toBeUndefined();
    expect(responder.requests.find((r) => r.name === 'crmTrace')!.data).toEqual({ messageId: '<reply-1@example.net>', limit: 50 });
  });

  it('answers with what incoming knows when crm-sync is not running or fails', async () => {
    await incomingAnswers();
    const silent = await call('/api/v1/trace');
    expect(silent).toMatchObject({ partial: true, missing: ['crm-sync'] });
    expect(silent.problems[0].message).toMatch(/^crm-sync did not answer within 1 s/);
    expect(silent.items.map((i: Json) => i.receivedId)).toEqual([awaiting.receivedId]);

    await responder.answer('crmTrace', () => ({ err: { status: 'error', message: 'relation "crm.received_mail" does not exist' } }));
    const failing = await call('/api/v1/trace');
    expect(failing.missing).toEqual(['crm-sync']);
    expect(failing.problems[0].message).toContain('crm-sync answered with an error: relation "crm.received_mail" does not exist');
  });

  it('asks only crm-sync for outgoing mail, and has a Message-ID shortcut', async () => {
    await responder.answer('crmTrace', () => ({ response: { received: [], outgoing: crmReply.outgoing } }));
    const answer = await call(`/api/v1/trace/${encodeURIComponent('<mr.x@contoso.test>')}`);
    expect(answer).toEqual({ items: [{ direction: 'outgoing', ...crmReply.outgoing[0] }], partial: true, missing: ['incoming'], problems: expect.any(Array) });
    const outgoingOnly = await call('/api/v1/trace?direction=outgoing&subject=offer');
    expect(outgoingOnly).toMatchObject({ partial: false, missing: [] });
    expect(responder.requests.at(-1)).toEqual({ name: 'crmTrace', data: { direction: 'outgoing', subject: 'offer', limit: 50 } });
  });

  it('names each bad filter in a 400', async () => {
    const res = await api.call<Json>('GET', '/api/v1/trace?mailboxId=nope&since=yesterday&direction=sideways&limit=0&address=nobody');
    expect(res.status).toBe(400);
    expect((res.body.fields as Json[]).map((f) => f.field).sort()).toEqual(['address', 'direction', 'limit', 'mailboxId', 'since']);
    expect((await api.call('GET', '/api/v1/trace', undefined, null)).status).toBe(401);
  });
});
