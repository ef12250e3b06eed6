/**
 * Issue 4's special cases through the four services as processes, each explained by the trace
 * API: an auto-reply, a bounce (which marks the outgoing email it belongs to), a loop storm, a
 * sender failing DMARC (not linked to the contact it claims to be) and a hostile HTML body.
 */
import { appendToInbox, buildMime, SmtpSink, waitFor } from '@mailrouter/testing';
import { RouterUnderTest } from './support/router';
import { buildWorld, emailById, emailsFor, EmailView, World } from './support/demo-world';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('automatic mail, loops, spoofing and hostile HTML, explained by the trace', () => {
  const router = new RouterUnderTest({ CLAIM_INTERVAL_MS: '300', TRUSTED_AUTHSERV_IDS: 'mx.e2e.test' });
  const sink = new SmtpSink();
  let world: World;

  /** The trace of one message once the CRM has decided it. */
  const decided = (messageId: string) =>
    waitFor(`verdict for ${messageId}`, async () => {
      const answer = await router.call<{ items: Json[] }>('GET', `/api/v1/trace/${encodeURIComponent(messageId)}`);
      const item = answer.items.find((i) => i.direction === 'incoming' && i.verdict);
      return item ?? undefined;
    }, 30_000);

  beforeAll(async () => {
    await sink.start();
    await router.start();
    world = await buildWorld(router, sink, [{ key: 'alice', tracking: 'all' }]);
    await router.call('PATCH', `/api/v1/deployments/${world.deploymentId}`, { tracking: { loopGuard: { maxMessages: 3, windowMinutes: 60 } } });
    await router.call('POST', '/api/v1/publish', { comment: 'loop guard at 3' });
  });

  afterAll(async () => {
    await router.stop();
    await sink.stop();
  });

  it('does not track an auto-reply, and says which header decided', async () => {
    const alice = world.users.alice;
    await appendToInbox(alice.mail, await buildMime({
      from: 'dana@contoso.test', to: alice.mail.address, subject: 'Automatic reply: Renewal', messageId: '<ooo-1@contoso.test>',
      headers: { 'Auto-Submitted': 'auto-replied' }, text: 'I am out of the office until Monday.',
    }));
    const item = await decided('<ooo-1@contoso.test>');
    expect(item.verdict).toMatchObject({ outcome: 'ignored', reason: 'automatic-reply' });
    expect(item.verdict.reasonText).toMatch(/Auto-Submitted/i);
  });

  it('marks the outgoing email a bounce belongs to as failed, and the trace says it was a bounce', async () => {
    const alice = world.users.alice;
    const composed = await router.call<EmailView>('POST', '/crm/v1/emails', {
      fromUserId: alice.crm.id, to: ['gone@contoso.test'], subject: 'Your order', text: 'x', send: true,
    }, 201);
    const sent = await waitFor('sent', async () => {
      const e = await emailById(router, composed.id);
      return e.status === 'sent' ? e : undefined;
    }, 30_000);
    const dsn = [
      'From: Mail Delivery System <MAILER-DAEMON@mx.contoso.test>',
      `To: ${alice.mail.address}`,
      'Subject: Undelivered Mail Returned to Sender',
      'Message-ID: <dsn-1@mx.contoso.test>',
      'Auto-Submitted: auto-replied',
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain',
      '',
      'I could not deliver your message to <gone@contoso.test>.',
      '--b1',
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mx.contoso.test',
      '',
      'Final-Recipient: rfc822; gone@contoso.test',
      'Action: failed',
      'Status: 5.1.1',
      'Diagnostic-Code: smtp; 550 5.1.1 <gone@contoso.test>: Recipient address rejected: User unknown',
      '--b1',
      'Content-Type: text/rfc822-headers',
      '',
      `From: ${alice.mail.address}`,
      'To: gone@contoso.test',
      `Subject: Your order ${sent.trackingToken}`,
      `Message-ID: ${sent.messageId}`,
      '--b1--',
      '',
    ].join('\r\n');
    await appendToInbox(alice.mail, dsn);
    const failed = await waitFor('bounced email failed', async () => {
      const e = await emailById(router, composed.id);
      return e.status === 'failed' ? e : undefined;
    }, 30_000);
    expect(failed.failureReason).toMatch(/bounced/i);
    expect(failed.failureReason).toContain('User unknown');
    const item = await decided('<dsn-1@mx.contoso.test>');
    expect(item.verdict.reason).toBe('automatic-reply');
    expect(item.verdict.reasonText).toMatch(/bounce/i);
  });

  it('stops tracking a loop storm from one sender after the limit, and raises one alert', async () => {
    const alice = world.users.alice;
    for (let i = 1; i <= 5; i++) {
      await appendToInbox(alice.mail, await buildMime({
        from: 'robot@loop.test', to: alice.mail.address, subject: `Ticket update ${i}`, messageId: `<storm-${i}@loop.test>`, text: `update ${i}`,
      }));
    }
    const reasons: string[] = [];
    for (let i = 1; i <= 5; i++) reasons.push((await decided(`<storm-${i}@loop.test>`)).verdict.reason);
    expect(reasons.filter((r) => r === 'accept-all')).toHaveLength(3);
    expect(reasons.filter((r) => r === 'loop-guard')).toHaveLength(2);
    const alerts = await router.call<{ kind: string; sender: string }[]>('GET', '/crm/v1/alerts');
    expect(alerts.filter((a) => a.sender === 'robot@loop.test')).toHaveLength(1);
  });

  it('does not link a sender failing DMARC to the contact it claims to be', async () => {
    const alice = world.users.alice;
    await appendToInbox(alice.mail, await buildMime({
      from: '"Dana Contact" <dana@contoso.test>', to: alice.mail.address, subject: 'Please change our bank details',
      messageId: '<spoof-1@evil.test>', text: 'New IBAN attached.',
      headers: { 'Authentication-Results': 'mx.e2e.test; spf=fail smtp.mailfrom=evil.test; dkim=none; dmarc=fail (p=reject) header.from=contoso.test' },
    }));
    const item = await decided('<spoof-1@evil.test>');
    expect(item.verdict.reasonText).toMatch(/DMARC fail/i);
    const [email] = await emailsFor(router, { direction: 'incoming', messageId: '<spoof-1@evil.test>' });
    const from = (await emailById(router, email.id)).parties.find((p) => p.role === 'from');
    expect(from).toMatchObject({ address: 'dana@contoso.test', record: null });
  });

  it('stores a hostile HTML body without executable content', async () => {
    const alice = world.users.alice;
    await appendToInbox(alice.mail, await buildMime({
      from: 'lee@fabrikam.test', to: alice.mail.address, subject: 'Newsletter', messageId: '<xss-1@fabrikam.test>',
      html: '<p>Hello</p><script>alert(1)</script><img src=x onerror=alert(2)><a href="javascript:alert(3)">click</a>'
        + '<svg onload=alert(4)></svg><iframe srcdoc="<script>alert(5)</script>"></iframe><p style="color:red">kept</p>',
    }));
    const item = await decided('<xss-1@fabrikam.test>');
    expect(item.verdict.outcome).toBe('tracked');
    const stored = await router.call<{ html: string }>('GET', `/crm/v1/emails/${item.activityId}`);
    expect(stored.html).toContain('Hello');
    expect(stored.html).toContain('kept');
    expect(stored.html).not.toMatch(/<script|onerror|onload|javascript:|<iframe|<svg/i);
  });
});
