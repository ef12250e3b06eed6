import { uniqueName } from '@mailrouter/testing';
import { TrackingWorld } from './tracking-world.testing';

describe('built-in CRM tracking rules through the real flow (PostgreSQL + NATS)', () => {
  let w: TrackingWorld;
  const ids: Record<string, string> = {};
  const OPTIONS = ['all', 'responses', 'crm-records', 'email-enabled'] as const;

  beforeAll(async () => {
    w = await TrackingWorld.start();
    for (const option of OPTIONS) ids[option] = await w.create('users', { fullName: `Owner ${option}`, email: `${option}@ours.test`, incomingTracking: option });
    ids.none = await w.create('queues', { name: 'Silent', email: 'none@ours.test', incomingTracking: 'none' });
    ids.ceo = await w.create('users', { fullName: 'The CEO', email: 'ceo@ours.test' });
    ids.acme = await w.create('accounts', { name: 'Acme', email: 'info@acme.test' });
    ids.bob = await w.create('contacts', { fullName: 'Bob Buyer', email: 'bob@acme.test', accountId: ids.acme });
    ids.lena = await w.create('leads', { fullName: 'Lena Lead', email: 'lena@prospect.test' });
    await w.deployment('d-default');
  });

  afterAll(async () => {
    await w?.close();
  });

  const SENDERS = { user: 'ceo@ours.test', contact: 'bob@acme.test', account: 'info@acme.test', lead: 'lena@prospect.test', unknown: 'who@nowhere.test' };
  /** Expected reason per option, for mail answering nothing (user, contact, account, lead, unknown sender). */
  const UNCORRELATED: Record<string, string[]> = {
    'all':           ['accept-all', 'accept-all', 'accept-all', 'accept-all', 'accept-all'],
    'responses':     ['no-correlation-match', 'no-correlation-match', 'no-correlation-match', 'no-correlation-match', 'no-correlation-match'],
    'crm-records':   ['internal-email-reject', 'sender-match', 'sender-match', 'sender-match', 'no-correlation-match'],
    'email-enabled': ['sender-match', 'sender-match', 'sender-match', 'sender-match', 'no-correlation-match'],
    'none':          ['no-correlation-match', 'no-correlation-match', 'no-correlation-match', 'no-correlation-match', 'no-correlation-match'],
  };

  it('every tracking option × sender kind, answering nothing: the verdict and reason of the table, and the trail says why', async () => {
    const cases = Object.entries(UNCORRELATED).flatMap(([option, reasons]) =>
      Object.values(SENDERS).map((from, i) => ({ option, from, expected: reasons[i] })));
    const results = await Promise.all(cases.map(async (c) => {
      const kind = c.option === 'none' ? 'queue' : 'user';
      const address = `${c.option}@ours.test`;
      const v = await w.receive(w.box(kind, ids[c.option], address), { from: c.from, to: address, subject: `Hello ${c.option}`, text: 'x' });
      return { ...c, reason: v.reason, outcome: v.outcome, receivedId: v.receivedId };
    }));
    for (const r of results) {
      expect({ option: r.option, from: r.from, reason: r.reason }).toEqual({ option: r.option, from: r.from, reason: r.expected });
      expect(r.outcome).toBe(['accept-all', 'sender-match'].includes(r.expected) ? 'tracked' : 'ignored');
    }
    const sample = await w.trail(results.find((r) => r.option === 'crm-records' && r.from === SENDERS.contact)!.receivedId);
    expect(sample).toMatchObject({ correlationRule: 'none', owner: { type: 'user', id: ids['crm-records'] } });
    expect(sample.reasonText).toContain('sender bob@acme.test is a contact');
    expect(sample.parties).toEqual(expect.arrayContaining([{ role: 'from', address: 'bob@acme.test', records: [{ type: 'contact', id: ids.bob }] }]));
  });

  it('every option answered by tracking token or In-Reply-To: correlated (queue option none excepted)', async () => {
    const original = await w.sent({ fromUserId: ids.ceo, to: ['who@nowhere.test'], subject: 'Offer', text: 'o', regarding: { type: 'account', id: ids.acme } });
    expect(original.trackingToken).toMatch(/^CRM:0\d{3}\d{4}$/);
    const cases = [...OPTIONS, 'none'].flatMap((option) => [
      { option, via: 'token', mail: { subject: `RE: Offer ${original.trackingToken}` } },
      { option, via: 'in-reply-to', mail: { subject: 'Re: Offer', inReplyTo: original.messageId } },
    ]);
    const results = await Promise.all(cases.map(async (c) => {
      const kind = c.option === 'none' ? 'queue' : 'user';
      const address = `${c.option}@ours.test`;
      const v = await w.receive(w.box(kind, ids[c.option], address), { from: 'who@nowhere.test', to: address, text: 'x', ...c.mail });
      return { ...c, v };
    }));
    for (const { option, via, v } of results) {
      const expected = option === 'none' ? 'no-correlation-match' : 'correlation-match';
      expect({ option, via, reason: v.reason }).toEqual({ option, via, reason: expected });
      if (option === 'none') continue;
      const trail = await w.trail(v.receivedId);
      expect(trail.correlationRule).toBe(via);
      expect((await w.email(v.activityId!)).regarding).toEqual({ type: 'account', id: ids.acme });
    }
  });

  it('a token mangled by a forward still correlates; References correlate too', async () => {
    const original = await w.sent({ fromUserId: ids.ceo, to: ['bob@acme.test'], subject: 'Contract', text: 'c' });
    const mangled = original.trackingToken!.replace('CRM:', 'crm: ');
    const box = w.box('user', ids.responses, 'responses@ours.test');
    const v = await w.receive(box, { from: 'bob@acme.test', to: 'responses@ours.test', subject: `FW: AW: [${mangled}] Contract`, text: 'x' });
    expect(v).toMatchObject({ outcome: 'tracked', reason: 'correlation-match' });
    expect((await w.email(v.activityId!)).trackingToken).toBe(original.trackingToken);
    const byRefs = await w.receive(box, { from: 'bob@acme.test', to: 'responses@ours.test', subject: 'Re: Contract', references: [`<${uniqueName('x')}@x.test>`, original.messageId], text: 'x' });
    expect(byRefs).toMatchObject({ outcome: 'tracked', reason: 'correlation-match' });
    expect((await w.trail(byRefs.receivedId)).correlationRule).toBe('references');
  });

  it('a message without a usable From is an invalid sender; a Bcc copy is no recipient match', async () => {
    const noFrom = Buffer.from(`To: all@ours.test\r\nSubject: anonymous\r\nMessage-ID: <${uniqueName('nofrom')}@x.test>\r\n\r\nhello\r\n`);
    expect(await w.receive(w.box('user', ids.all, 'all@ours.test'), noFrom)).toMatchObject({ outcome: 'ignored', reason: 'invalid-sender' });
    const bcc = await w.receive(w.box('user', ids['crm-records'], 'crm-records@ours.test'), { from: 'bob@acme.test', to: 'someone@else.test', subject: 'Bcc', text: 'x' });
    expect(bcc).toMatchObject({ outcome: 'ignored', reason: 'no-recipient-match' });
    expect(bcc.reasonText).toMatch(/not among the To\/Cc recipients/);
  });
});
