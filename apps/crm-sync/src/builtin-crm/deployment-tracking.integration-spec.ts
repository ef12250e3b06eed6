import { uniqueName } from '@mailrouter/testing';
import { TrackingWorld } from './tracking-world.testing';
import { TransactionScope } from '../transaction-scope.repository';
import { EmailsRepository, NewEmail } from './emails.repository';
import { PriorQuery, TrackingStateRepository } from './tracking-state.repository';

/** The per-deployment settings (published configuration) and what they change, through the real flow. */
describe('built-in CRM: per-deployment tracking settings, approval, loops, queues (PostgreSQL + NATS)', () => {
  let w: TrackingWorld;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    // Authentication-Results of our own MX (mx.ours.test) are believed.
    w = await TrackingWorld.start({ TRUSTED_AUTHSERV_IDS: 'mx.ours.test' });
    ids.ann = await w.create('users', { fullName: 'Ann All', email: 'ann@ours.test' });
    ids.rita = await w.create('users', { fullName: 'Rita Responses', email: 'rita@ours.test', incomingTracking: 'responses' });
    ids.bob = await w.create('users', { fullName: 'Bob User', email: 'bob@ours.test' });
    ids.carl = await w.create('users', { fullName: 'Carl User', email: 'carl@ours.test' });
    ids.cora = await w.create('users', { fullName: 'Cora Records', email: 'cora@ours.test', incomingTracking: 'crm-records' });
    ids.support = await w.create('queues', { name: 'Support', email: 'support@ours.test' });
    ids.acme = await w.create('accounts', { name: 'Acme', email: 'info@acme.test' });
    ids.dana = await w.create('contacts', { fullName: 'Dana', email: 'dana@acme.test', accountId: ids.acme });
    ids.sharedContact = await w.create('contacts', { fullName: 'Shared Contact', email: 'shared@acme.test' });
    ids.sharedLead = await w.create('leads', { fullName: 'Shared Lead', email: 'shared@acme.test' });
    await w.deployment('d-default');
  });

  afterAll(async () => {
    await w?.close();
  });

  it('tokens follow the owner\'s deployment format, and a reply with that token is correlated; tokens can be turned off', async () => {
    await w.deployment('d-case', { token: { prefix: 'Case#', baseNumber: 42, userNumberDigits: 5, counterDigits: 6 } },
      [{ kind: 'user', crmId: ids.rita, address: 'rita@ours.test' }]);
    const sent = await w.sent({ fromUserId: ids.rita, to: ['dana@acme.test'], subject: 'Support case', text: 'x' });
    expect(sent.trackingToken).toMatch(/^Case#42\d{5}\d{6}$/);
    const mangled = sent.trackingToken!.replace('Case#', 'CASE# ');
    const reply = await w.receive(w.box('user', ids.rita, 'rita@ours.test'), { from: 'dana@acme.test', to: 'rita@ours.test', subject: `SV: ${mangled}`, text: 'x' }, 'd-case');
    expect(reply).toMatchObject({ outcome: 'tracked', reason: 'correlation-match' });
    expect((await w.trail(reply.receivedId)).correlationRule).toBe('token');
    // The default deployment's format does not read this deployment's token.
    const elsewhere = await w.receive(w.box('user', ids.rita, 'rita@ours.test'), { from: 'dana@acme.test', to: 'rita@ours.test', subject: `SV: ${sent.trackingToken}`, text: 'x' }, 'd-default');
    expect(elsewhere).toMatchObject({ outcome: 'ignored', reason: 'no-correlation-match' });

    await w.deployment('d-notoken', { token: { enabled: false } }, [{ kind: 'user', crmId: ids.carl, address: 'carl@ours.test' }]);
    const plain = (await w.crm.api('POST', '/crm/v1/emails', { fromUserId: ids.carl, to: ['dana@acme.test'], subject: 'No token', send: true })).body;
    expect(plain).toMatchObject({ status: 'pending-send', trackingToken: null });
  });

  it('smart matching off: a reply without token or headers is not correlated; on: it is, by subject and shared addresses', async () => {
    await w.deployment('d-smart', { smartMatching: { enabled: true, minSharedAddresses: 2 } });
    const subject = `Quarterly review ${uniqueName('q')}`;
    await w.sent({ fromUserId: ids.rita, to: ['dana@acme.test'], subject, text: 'x' });
    const mail = { from: 'dana@acme.test', to: 'rita@ours.test', subject: `RE: ${subject}`, text: 'x' };
    const box = w.box('user', ids.rita, 'rita@ours.test');
    expect(await w.receive(box, mail, 'd-default')).toMatchObject({ outcome: 'ignored', reason: 'no-correlation-match' });
    const smart = await w.receive(box, mail, 'd-smart');
    expect(smart).toMatchObject({ outcome: 'tracked', reason: 'correlation-match' });
    expect((await w.trail(smart.receivedId)).correlationRule).toBe('smart-match');
    expect(smart.reasonText).toMatch(/smart matching/);
    // Same subject, but only one shared address (a stranger writes to Rita): not enough.
    const stranger = await w.receive(box, { ...mail, from: 'who@nowhere.test' }, 'd-smart');
    expect(stranger).toMatchObject({ outcome: 'ignored', reason: 'no-correlation-match' });
  });

  it('an unapproved address is not processed, and the trail says so; approving it again tracks its mail', async () => {
    const bad = await w.crm.api('PATCH', `/crm/v1/users/${ids.bob}`, { emailAddressApproved: 'no' });
    expect(bad.status).toBe(400);
    expect((await w.crm.api('PATCH', `/crm/v1/users/${ids.bob}`, { nickname: 'x' })).status).toBe(400);
    expect((await w.crm.api('PATCH', `/crm/v1/contacts/${ids.dana}`, { emailAddressApproved: false })).status).toBe(404);
    expect((await w.crm.api('PATCH', '/crm/v1/users/00000000-0000-4000-8000-000000000000', { emailAddressApproved: false })).status).toBe(404);
    const patched = await w.crm.api('PATCH', `/crm/v1/users/${ids.bob}`, { emailAddressApproved: false });
    expect(patched).toMatchObject({ status: 200, body: { id: ids.bob, emailAddressApproved: false, incomingTracking: 'all' } });
    const box = w.box('user', ids.bob, 'bob@ours.test');
    const refused = await w.receive(box, { from: 'dana@acme.test', to: 'bob@ours.test', subject: 'Hello Bob', text: 'x' });
    expect(refused).toMatchObject({ outcome: 'ignored', reason: 'address-not-approved' });
    expect(refused.activityId).toBeUndefined();
    expect((await w.trail(refused.receivedId)).reasonText).toMatch(/not approved by a CRM administrator/);
    await w.crm.api('PATCH', `/crm/v1/users/${ids.bob}`, { emailAddressApproved: true, incomingTracking: 'responses' });
    expect((await w.crm.api('GET', `/crm/v1/users/${ids.bob}`)).body).toMatchObject({ emailAddressApproved: true, incomingTracking: 'responses' });
    expect(await w.receive(box, { from: 'dana@acme.test', to: 'bob@ours.test', subject: 'Hello again', text: 'x' }))
      .toMatchObject({ reason: 'no-correlation-match' });
    await w.crm.api('PATCH', `/crm/v1/users/${ids.bob}`, { incomingTracking: 'all' });
  });

  it('a mail loop: past maxMessages from one sender within the window nothing is tracked, and one alert is raised', async () => {
    await w.deployment('d-loop', { loopGuard: { maxMessages: 3, windowMinutes: 60 } });
    const box = w.box('user', ids.ann, 'ann@ours.test');
    const sender = `${uniqueName('robot')}@loop.test`;
    const verdicts = [];
    for (let i = 1; i <= 6; i++) {
      verdicts.push(await w.receive(box, { from: sender, to: 'ann@ours.test', subject: `Ping ${i}`, text: 'x' }, 'd-loop'));
    }
    expect(verdicts.map((v) => v.reason)).toEqual(['accept-all', 'accept-all', 'accept-all', 'loop-guard', 'loop-guard', 'loop-guard']);
    expect(verdicts[3].reasonText).toMatch(/4 messages from .* within 60 minutes/);
    // Another sender to the same owner is not held back.
    expect(await w.receive(box, { from: 'dana@acme.test', to: 'ann@ours.test', subject: 'Normal', text: 'x' }, 'd-loop')).toMatchObject({ outcome: 'tracked' });
    const alerts = (await w.crm.api('GET', '/crm/v1/alerts')).body as { kind: string; sender: string; owner: unknown; message: string }[];
    const mine = alerts.filter((a) => a.sender === sender);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ kind: 'loop-guard', owner: { type: 'user', id: ids.ann } });
  });

  it('a burst from one sender decided together (one transaction): the loop guard still counts each, and copies of one message are one activity', async () => {
    await w.deployment('d-burst', { loopGuard: { maxMessages: 3, windowMinutes: 60 } });
    const box = w.box('user', ids.ann, 'ann@ours.test');
    const sender = `${uniqueName('burst')}@loop.test`;
    const verdicts = await Promise.all(Array.from({ length: 8 }, (_, i) =>
      w.receive(box, { from: sender, to: 'ann@ours.test', subject: `Burst ${i}`, text: 'x' }, 'd-burst')));
    const reasons = verdicts.map((v) => v.reason).sort();
    expect(reasons).toEqual(['accept-all', 'accept-all', 'accept-all', 'loop-guard', 'loop-guard', 'loop-guard', 'loop-guard', 'loop-guard']);
    const alerts = ((await w.crm.api('GET', '/crm/v1/alerts')).body as { sender: string }[]).filter((a) => a.sender === sender);
    expect(alerts).toHaveLength(1);

    // The same message arriving twice at once (two copies in the mailbox): one activity, the other a duplicate.
    const messageId = `<${uniqueName('twice')}@acme.test>`;
    const copies = await Promise.all([1, 2].map(() =>
      w.receive(box, { from: 'dana@acme.test', to: 'ann@ours.test', subject: 'Twice', messageId, text: 'x' }, 'd-default')));
    expect(copies.map((c) => c.reason).sort()).toEqual(['accept-all', 'duplicate']);
    expect(new Set(copies.map((c) => c.activityId)).size).toBe(1);

    // One received message delivered twice at once (a republish racing its first delivery), among
    // others of the same sender decided in the same groups: every one gets its verdict, none is
    // quarantined, and the twice-delivered one is decided once.
    const more = await Promise.all([
      w.receive(box, { from: sender, to: 'ann@ours.test', subject: 'Delivered twice', text: 'x' }, 'd-burst', 2),
      ...Array.from({ length: 4 }, (_, i) => w.receive(box, { from: sender, to: 'ann@ours.test', subject: `Alongside ${i}`, text: 'x' }, 'd-burst')),
    ]);
    expect(more.map((v) => v.outcome)).toEqual(['ignored', 'ignored', 'ignored', 'ignored', 'ignored']); // past the loop guard
    await new Promise((r) => setTimeout(r, 1500)); // a retried second delivery would land meanwhile
    const decided = new Set(more.map((v) => v.receivedId));
    const quarantined = ((await w.crm.api('GET', '/crm/v1/quarantine')).body as { payload: { receivedId?: string } }[])
      .filter((q) => decided.has(q.payload?.receivedId ?? ''));
    expect(quarantined).toHaveLength(0);
    const trail = (await w.crm.api('GET', `/crm/v1/received/${encodeURIComponent(more[0].receivedId)}`)).body as { receivedId: string };
    expect(trail.receivedId).toBe(more[0].receivedId);
  });

  it('a group\'s earlier-message facts read ahead in one round trip answer each decision as its own query would, activities made meanwhile included', async () => {
    const state = w.crm.app.get(TrackingStateRepository);
    const emails = w.crm.app.get(EmailsRepository);
    const messageId = `<${uniqueName('ahead')}@acme.test>`;
    const since = new Date(Date.now() - 3_600_000);
    const q = (owner: string, receivedId: string): PriorQuery => ({ ownerType: 'user', ownerId: ids[owner], messageId, receivedId, sender: 'dana@acme.test', since });
    const rolledBack = new Error('roll back');
    const seen: Record<string, unknown> = {};
    await expect(w.crm.app.get(TransactionScope).run(async () => {
      // Read ahead for three decisions; the first makes an activity before the others are decided.
      await state.readAhead([q('ann', 'ra-1'), q('ann', 'ra-2'), q('bob', 'rb-1')]);
      seen.first = await state.priorOf(q('ann', 'ra-1'));
      const made = await emails.insert({
        direction: 'incoming', status: 'received', ownerType: 'user', ownerId: ids.ann, subject: 'Ahead', bodyText: 'x', bodyHtml: null,
        messageId, inReplyTo: null, references: [], trackingToken: null, conversationSubject: 'Ahead', regardingType: null, regardingId: null,
        receivedId: 'ra-1', parties: [], attachments: [],
      } as unknown as NewEmail);
      state.noteMade({ id: made.id, ownerType: 'user', ownerId: ids.ann, messageId, receivedId: 'ra-1' });
      seen.madeId = made.id;
      // Read ahead (no round trip) and asked afresh (not read ahead: a query in the same transaction).
      seen.again = [await state.priorOf(q('ann', 'ra-1')), await state.priorOf({ ...q('ann', 'ra-1'), receivedId: 'ra-1', since: new Date(since.getTime() - 120_000) })];
      seen.copy = [await state.priorOf(q('ann', 'ra-2')), await state.priorOf(q('ann', 'ra-3'))];
      seen.other = [await state.priorOf(q('bob', 'rb-1')), await state.priorOf(q('bob', 'rb-2'))];
      throw rolledBack;
    })).rejects.toBe(rolledBack);
    expect(seen.first).toEqual({ duplicateId: null, otherOwners: null, againId: null, earlierFromSender: expect.any(Number) });
    const [again, againFresh] = seen.again as { againId: string }[];
    expect(again.againId).toBe(seen.madeId);
    expect(againFresh.againId).toBe(seen.madeId);
    const [copy, copyFresh] = seen.copy as object[];
    expect(copy).toMatchObject({ duplicateId: seen.madeId });
    expect(copy).toEqual(copyFresh);
    const [other, otherFresh] = seen.other as object[];
    expect(other).toMatchObject({ duplicateId: null, otherOwners: { id: seen.madeId, ownerType: 'user', ownerId: ids.ann } });
    expect(other).toEqual(otherFresh);
  });

  it('email between two CRM users: tracked once (the other copy rejected), or once per user when trackBetweenUsersAsTwo', async () => {
    await w.deployment('d-two', { trackBetweenUsersAsTwo: true });
    const sent = await w.sent({ fromUserId: ids.ann, to: ['bob@ours.test', 'carl@ours.test'], subject: 'Team lunch', text: 'x' });
    const mail = { from: 'ann@ours.test', to: ['bob@ours.test', 'carl@ours.test'], subject: `Team lunch ${sent.trackingToken}`, messageId: sent.messageId, text: 'x' };
    const once = await w.receive(w.box('user', ids.bob, 'bob@ours.test'), mail, 'd-default');
    expect(once).toMatchObject({ outcome: 'ignored', reason: 'internal-email-reject', activityId: sent.id });
    expect(once.reasonText).toMatch(/between CRM users/);
    const twice = await w.receive(w.box('user', ids.carl, 'carl@ours.test'), mail, 'd-two');
    expect(twice).toMatchObject({ outcome: 'tracked' });
    const copy = await w.email(twice.activityId!);
    expect(copy).toMatchObject({ owner: { type: 'user', id: ids.carl }, messageId: sent.messageId });
    const list = (await w.crm.api('GET', `/crm/v1/emails?messageId=${encodeURIComponent(sent.messageId)}`)).body as { id: string }[];
    expect(list.map((e) => e.id).sort()).toEqual([sent.id, twice.activityId].sort());

    // An outside sender's mail to two users is one activity, whatever the setting.
    const external = { from: 'dana@acme.test', to: ['bob@ours.test', 'carl@ours.test'], subject: 'To you both', messageId: `<${uniqueName('both')}@acme.test>`, text: 'x' };
    const first = await w.receive(w.box('user', ids.bob, 'bob@ours.test'), external, 'd-two');
    const second = await w.receive(w.box('user', ids.carl, 'carl@ours.test'), external, 'd-two');
    expect(first).toMatchObject({ outcome: 'tracked' });
    expect(second).toMatchObject({ outcome: 'ignored', reason: 'duplicate', activityId: first.activityId });
  });

  it('an address of several records: every record linked, or left unresolved with leaveAmbiguousUnresolved', async () => {
    await w.deployment('d-ambiguous', { leaveAmbiguousUnresolved: true });
    const mail = () => ({ from: 'dana@acme.test', to: 'ann@ours.test', cc: 'Ann Lookalike <shared@acme.test>', subject: 'Shared', text: 'x' });
    const linked = await w.receive(w.box('user', ids.ann, 'ann@ours.test'), mail(), 'd-default');
    const all = (await w.email(linked.activityId!)).parties.filter((p: { address: string }) => p.address === 'shared@acme.test');
    expect(all.map((p: { record: unknown }) => p.record)).toEqual([{ type: 'contact', id: ids.sharedContact }, { type: 'lead', id: ids.sharedLead }]);
    const unresolved = await w.receive(w.box('user', ids.ann, 'ann@ours.test'), mail(), 'd-ambiguous');
    const parties = (await w.email(unresolved.activityId!)).parties;
    expect(parties.filter((p: { address: string }) => p.address === 'shared@acme.test')).toEqual([
      { role: 'cc', address: 'shared@acme.test', name: 'Ann Lookalike', record: null },
    ]);
    expect(parties[0]).toMatchObject({ role: 'from', record: { type: 'contact', id: ids.dana } });
    const trail = await w.trail(unresolved.receivedId);
    expect(trail.parties).toEqual(expect.arrayContaining([expect.objectContaining({ address: 'shared@acme.test', ambiguous: true, records: [] })]));
    expect(trail.reasonText).toMatch(/shared@acme.test \(ambiguous, left unresolved\)/);
  });

  it('email to a queue mailbox creates a queue item', async () => {
    const v = await w.receive(w.box('queue', ids.support, 'support@ours.test'), { from: 'dana@acme.test', to: 'support@ours.test', subject: 'Printer broken', text: 'x' });
    expect(v).toMatchObject({ outcome: 'tracked', reason: 'accept-all' });
    const items = (await w.crm.api('GET', `/crm/v1/queues/${ids.support}/items`)).body;
    expect(items).toEqual([expect.objectContaining({ queueId: ids.support, emailId: v.activityId, subject: 'Printer broken' })]);
    expect((await w.crm.api('GET', '/crm/v1/queues/00000000-0000-4000-8000-000000000000/items')).status).toBe(404);
    // A user's mail makes no queue item.
    await w.receive(w.box('user', ids.ann, 'ann@ours.test'), { from: 'dana@acme.test', to: 'ann@ours.test', subject: 'Not queued', text: 'x' });
    expect((await w.crm.api('GET', `/crm/v1/queues/${ids.support}/items`)).body).toHaveLength(1);
  });

  it('automatic replies are tracked only when the deployment says so; HTML is stored sanitised', async () => {
    await w.deployment('d-auto', { trackAutomaticReplies: true });
    const ooo = () => ({
      from: 'dana@acme.test', to: 'ann@ours.test', subject: 'Automatic reply: Offer', text: 'I am out of office',
      headers: { 'Auto-Submitted': 'auto-replied' },
    });
    const skipped = await w.receive(w.box('user', ids.ann, 'ann@ours.test'), ooo(), 'd-default');
    expect(skipped).toMatchObject({ outcome: 'ignored', reason: 'automatic-reply' });
    expect((await w.trail(skipped.receivedId)).automatic).toMatchObject({ kind: 'auto-reply' });
    expect(await w.receive(w.box('user', ids.ann, 'ann@ours.test'), ooo(), 'd-auto')).toMatchObject({ outcome: 'tracked', reason: 'accept-all' });

    const html = await w.receive(w.box('user', ids.ann, 'ann@ours.test'), {
      from: 'dana@acme.test', to: 'ann@ours.test', subject: 'Rich', html: '<p onclick="steal()">Hello <b>Ann</b></p><script>steal()</script>',
    });
    const stored = (await w.email(html.activityId!)).html as string;
    expect(stored).toContain('<b>Ann</b>');
    expect(stored).not.toMatch(/script|onclick|steal/);
  });

  it('a sender failing DMARC is not linked nor matched by sender (distrustDmarcFailures), and the trail says why', async () => {
    await w.deployment('d-trusting', { distrustDmarcFailures: false });
    const spoofed = (to: string) => ({
      from: 'Dana <dana@acme.test>', to, subject: 'Change of bank details', text: 'x',
      headers: { 'Authentication-Results': 'mx.ours.test; spf=fail smtp.mailfrom=acme.test; dkim=none; dmarc=fail header.from=acme.test' },
    });
    const distrusted = await w.receive(w.box('user', ids.cora, 'cora@ours.test'), spoofed('cora@ours.test'), 'd-default');
    expect(distrusted).toMatchObject({ outcome: 'ignored', reason: 'no-correlation-match' });
    expect(distrusted.reasonText).toMatch(/acme.test failed DMARC/);
    expect((await w.trail(distrusted.receivedId)).authentication).toMatchObject({ dmarc: 'fail', fromDomain: 'acme.test' });
    const toAnn = await w.receive(w.box('user', ids.ann, 'ann@ours.test'), spoofed('ann@ours.test'), 'd-default');
    expect(toAnn).toMatchObject({ outcome: 'tracked', reason: 'accept-all' });
    expect((await w.email(toAnn.activityId!)).parties[0]).toMatchObject({ role: 'from', address: 'dana@acme.test', record: null });
    const trusted = await w.receive(w.box('user', ids.cora, 'cora@ours.test'), spoofed('cora@ours.test'), 'd-trusting');
    expect(trusted).toMatchObject({ outcome: 'tracked', reason: 'sender-match' });
    expect((await w.email(trusted.activityId!)).parties[0]).toMatchObject({ role: 'from', record: { type: 'contact', id: ids.dana } });
  });

  it('a bounce marks the outgoing email it reports on as failed, with the server\'s reason', async () => {
    const sent = await w.sent({ fromUserId: ids.ann, to: ['gone@acme.test'], subject: 'Will bounce', text: 'x' });
    const boundary = 'b-' + uniqueName('dsn');
    const dsn = Buffer.from([
      'From: Mail Delivery System <MAILER-DAEMON@mx.acme.test>',
      'To: ann@ours.test',
      'Subject: Undelivered Mail Returned to Sender',
      `Message-ID: <${uniqueName('dsn')}@mx.acme.test>`,
      'Auto-Submitted: auto-replied',
      `Content-Type: multipart/report; report-type=delivery-status; boundary="${boundary}"`,
      'MIME-Version: 1.0',
      '',
      `--${boundary}`,
      'Content-Type: text/plain',
      '',
      'Your message could not be delivered.',
      `--${boundary}`,
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mx.acme.test',
      '',
      'Final-Recipient: rfc822; gone@acme.test',
      'Action: failed',
      'Status: 5.1.1',
      'Diagnostic-Code: smtp; 550 5.1.1 <gone@acme.test>: Recipient address rejected: User unknown',
      '',
      `--${boundary}`,
      'Content-Type: text/rfc822-headers',
      '',
      'From: ann@ours.test',
      'To: gone@acme.test',
      'Subject: Will bounce',
      `Message-ID: ${sent.messageId}`,
      '',
      `--${boundary}--`,
      '',
    ].join('\r\n'));
    const v = await w.receive(w.box('user', ids.ann, 'ann@ours.test'), dsn);
    expect(v).toMatchObject({ outcome: 'ignored', reason: 'automatic-reply' });
    const email = await w.email(sent.id);
    expect(email.status).toBe('failed');
    expect(email.failureReason).toMatch(/^bounced: .*User unknown/);
  });
});
