import type { IncomingEmail, ParsedEmail } from '@mailrouter/domain';
import { DataverseConnector, DataverseConnectionSettings, DataverseError } from '@mailrouter/crm-dataverse';
import { DataverseEmulator, EMULATOR_HEADER, startDataverseEmulator } from './emulator';

const CLIENT = { clientId: 'mr-connector-test', clientSecret: 's3cret-value' };

describe('DataverseConnector against the Dataverse emulator (real HTTP, msal-node)', () => {
  let emu: DataverseEmulator;
  const ids: Record<string, string> = {};

  const connector = (over: Partial<DataverseConnectionSettings> = {}) => new DataverseConnector({
    url: emu.url, tenantId: emu.tenantId, authority: emu.authority, ...CLIENT,
    retry: { serverBackoffMs: 20, maxRetryAfterMs: 5_000 }, ...over,
  });
  const api = (pathStart: string) => emu.requests.filter((r) => r.kind === 'api' && r.path.startsWith(`/api/data/v9.2/${pathStart}`));

  function incoming(email: Partial<ParsedEmail>, address = 'ursula@contoso.test'): IncomingEmail {
    return {
      receivedId: `mbx-1:imap:1:${Math.random()}`, mailbox: { id: 'mbx-1', kind: 'user', address },
      email: { references: [], subject: 'Hello', to: [{ address }], cc: [], attachments: [], ...email },
    };
  }

  beforeAll(async () => {
    emu = await startDataverseEmulator({ clients: [CLIENT] });
    const s = emu.store;
    ids.ursula = s.create('systemusers', { fullname: 'Ursula User', internalemailaddress: 'ursula@contoso.test', incomingemailfilteringmethod: 0 }).systemuserid as string;
    ids.rita = s.create('systemusers', { fullname: 'Rita Records', internalemailaddress: 'rita@contoso.test', incomingemailfilteringmethod: 2 }).systemuserid as string;
    ids.olivia = s.create('systemusers', { fullname: 'Olivia Outlook', internalemailaddress: 'olivia@contoso.test' }).systemuserid as string;
    ids.support = s.create('queues', { name: 'Support', emailaddress: 'support@contoso.test', incomingemailfilteringmethod: 0 }).queueid as string;
    const mbx = (name: string, address: string, regarding: string, type: string, incoming: number, outgoing: number, approval: number) =>
      s.create('mailboxes', {
        name, emailaddress: address, _regardingobjectid_value: regarding, regardingobjecttypecode: type,
        incomingemaildeliverymethod: incoming, outgoingemaildeliverymethod: outgoing, emailrouteraccessapproval: approval,
      });
    mbx('Ursula User', 'ursula@contoso.test', ids.ursula, 'systemuser', 2, 2, 1);
    mbx('Rita Records', 'rita@contoso.test', ids.rita, 'systemuser', 2, 0, 2);
    mbx('Olivia Outlook', 'olivia@contoso.test', ids.olivia, 'systemuser', 1, 1, 1);
    mbx('Support', 'support@contoso.test', ids.support, 'queue', 0, 2, 3);
    ids.carl = s.create('contacts', { fullname: 'Carl Contact', emailaddress1: 'carl@customer.test' }).contactid as string;
  });

  afterAll(async () => {
    await emu?.close();
  });

  beforeEach(() => {
    emu.requests.length = 0;
  });

  it('gets one token by client credentials (msal, emulator authority) and reuses it, with a bearer on every call', async () => {
    const c = connector();
    await c.retrieveMailboxes();
    await c.retrieveMailboxes();
    const tokens = emu.requests.filter((r) => r.kind === 'token');
    expect(tokens).toHaveLength(1);
    const form = new URLSearchParams(tokens[0].body);
    expect(form.get('grant_type')).toBe('client_credentials');
    expect(form.get('client_id')).toBe(CLIENT.clientId);
    expect(form.get('scope')).toBe(`${emu.url}/.default`);
    const calls = api('mailboxes');
    expect(calls).toHaveLength(2);
    expect(calls[0].headers.authorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    expect(calls[1].headers.authorization).toBe(calls[0].headers.authorization);
    expect(emu.requests.every((r) => r.status < 400)).toBe(true);
  });

  it('a wrong client secret fails with the token endpoint\'s message, and the Web API refuses a bad bearer with 401', async () => {
    await expect(connector({ clientSecret: 'wrong' }).retrieveMailboxes()).rejects.toThrow(/AADSTS7000215: Invalid client secret provided/);
    expect(api('')).toHaveLength(0);
    const res = await fetch(`${emu.url}/api/data/v9.2/mailboxes`, { headers: { authorization: 'Bearer not.a.token' } });
    expect(res.status).toBe(401);
    expect(res.headers.get(EMULATOR_HEADER)).toMatch(/EMULATOR/);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer authorization_uri=/);
    expect(((await res.json()) as { error: unknown }).error).toEqual({ code: expect.any(String), message: 'The bearer token signature is invalid.' });
  });

  it('waits out 429 Too Many Requests as Retry-After says, then succeeds (each throttled call counted)', async () => {
    const c = connector();
    await fetch(`${emu.url}/_emulator/throttle`, { method: 'POST', body: JSON.stringify({ count: 2, retryAfterSeconds: 1 }) });
    const records = await c.retrieveMailboxes();
    expect(records).toHaveLength(3);
    expect(api('mailboxes').map((r) => r.status)).toEqual([429, 429, 200]);
    expect(c.api.stats.throttled).toBe(2);
    const gaps = api('mailboxes').map((r) => Date.parse(r.at));
    expect(gaps[1] - gaps[0]).toBeGreaterThanOrEqual(950);
  });

  it('gives up on a limit that lasts longer than its bound, with the server\'s message; retries 5xx with backoff', async () => {
    const c = connector({ retry: { maxThrottleRetries: 1, serverBackoffMs: 20 } });
    await fetch(`${emu.url}/_emulator/throttle`, { method: 'POST', body: JSON.stringify({ count: 3, retryAfterSeconds: 0 }) });
    const err = await c.retrieveMailboxes().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataverseError);
    expect((err as DataverseError).status).toBe(429);
    expect((err as Error).message).toMatch(/Number of requests exceeded the limit/);
    await fetch(`${emu.url}/_emulator/throttle`, { method: 'POST', body: JSON.stringify({ count: 0 }) });
    await fetch(`${emu.url}/_emulator/fail`, { method: 'POST', body: JSON.stringify({ count: 2, status: 503 }) });
    expect(await c.retrieveMailboxes()).toHaveLength(3);
    expect(c.api.stats.serverRetries).toBe(2);
  });

  it('retrieveMailboxes: users and queues delivered through the router / server-side sync, with approval and owner', async () => {
    const records = await connector().retrieveMailboxes();
    expect(records.sort((a, b) => a.address.localeCompare(b.address))).toEqual([
      { crmId: ids.rita, kind: 'user', name: 'Rita Records', address: 'rita@contoso.test', approval: 'pending' },
      { crmId: ids.support, kind: 'queue', name: 'Support', address: 'support@contoso.test', approval: 'rejected' },
      { crmId: ids.ursula, kind: 'user', name: 'Ursula User', address: 'ursula@contoso.test', approval: 'approved' },
    ]);
    const [call] = api('mailboxes');
    const q = new URL(`http://x${call.path}`).searchParams;
    expect(q.get('$filter')).toBe('incomingemaildeliverymethod eq 2 or outgoingemaildeliverymethod eq 2');
    expect(q.get('$select')).toContain('emailrouteraccessapproval');
    expect(q.get('$select')).toContain('_regardingobjectid_value');
    expect(call.headers.prefer).toContain('Microsoft.Dynamics.CRM.lookuplogicalname');
  });

  it('checkIncoming calls the CheckIncomingEmail function and maps its reason codes', async () => {
    const c = connector();
    const accept = await c.checkIncoming(incoming({ messageId: '<m1@customer.test>', subject: 'Quote', from: { address: 'x@else.test' }, cc: [{ address: 'cc@else.test' }] }));
    expect(accept).toMatchObject({ shouldDeliver: true, reason: 'accept-all' });
    expect(accept.reasonText).toMatch(/AcceptAll \(6\)/);
    const [call] = api('CheckIncomingEmail');
    expect(call.method).toBe('GET');
    const url = new URL(`http://x${call.path}`);
    expect(decodeURIComponent(url.pathname)).toBe('/api/data/v9.2/CheckIncomingEmail(MessageId=@MessageId,Subject=@Subject,From=@From,To=@To,Cc=@Cc,Bcc=@Bcc)');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      '@MessageId': "'<m1@customer.test>'", '@Subject': "'Quote'", '@From': "'x@else.test'", '@To': "'ursula@contoso.test'", '@Cc': "'cc@else.test'", '@Bcc': "''",
    });

    expect(await c.checkIncoming(incoming({ from: { address: 'x@else.test' }, to: [{ address: 'nobody@contoso.test' }] }, 'nobody@contoso.test')))
      .toMatchObject({ shouldDeliver: false, reason: 'no-recipient-match' });
    expect(await c.checkIncoming(incoming({ from: { address: 'carl@customer.test' }, to: [{ address: 'rita@contoso.test' }] }, 'rita@contoso.test')))
      .toMatchObject({ shouldDeliver: true, reason: 'sender-match' });
    expect(await c.checkIncoming(incoming({ from: { address: "o'neil@else.test" }, to: [{ address: 'rita@contoso.test' }] }, 'rita@contoso.test')))
      .toMatchObject({ shouldDeliver: false, reason: 'invalid-sender' });
  });

  it('deliverIncoming posts DeliverIncomingEmail with the documented parameters; the email activity exists; a repeat is a duplicate', async () => {
    const c = connector();
    const msg = incoming({
      messageId: '<deliver-1@customer.test>', subject: 'Order 42', from: { address: 'carl@customer.test', name: 'Carl' },
      to: [{ address: 'ursula@contoso.test' }], cc: [{ address: 'support@contoso.test' }], text: 'Please <ship>', date: new Date('2026-01-02T03:04:05Z'),
      attachments: [{ filename: 'order.txt', contentType: 'text/plain', size: 5, content: Buffer.from('order') }],
    });
    const check = await c.checkIncoming(msg);
    const delivered = await c.deliverIncoming(msg, check);
    expect(delivered.existed).toBe(false);
    const [call] = api('DeliverIncomingEmail');
    expect(call.method).toBe('POST');
    expect(JSON.parse(call.body)).toEqual({
      MessageId: '<deliver-1@customer.test>', Subject: 'Order 42', From: 'carl@customer.test', To: 'ursula@contoso.test',
      Cc: 'support@contoso.test', Bcc: '', ReceivedOn: '2026-01-02T03:04:05.000Z', SubmittedBy: 'ursula@contoso.test',
      Importance: 'normal', Body: '<pre>Please &lt;ship&gt;</pre>', ValidateBeforeCreate: false,
      Attachments: [{ '@odata.type': 'Microsoft.Dynamics.CRM.activitymimeattachment', filename: 'order.txt', mimetype: 'text/plain', body: Buffer.from('order').toString('base64') }],
    });
    const email = emu.store.get('emails', delivered.activityId)!;
    expect(email).toMatchObject({ subject: 'Order 42', statuscode: 4, directioncode: false, messageid: '<deliver-1@customer.test>' });
    expect(email.email_activity_parties).toEqual(expect.arrayContaining([
      expect.objectContaining({ participationtypemask: 1, addressused: 'carl@customer.test', _partyid_value: ids.carl }),
      expect.objectContaining({ participationtypemask: 2, addressused: 'ursula@contoso.test', _partyid_value: ids.ursula }),
    ]));
    expect(emu.store.list('activitymimeattachments').filter((a) => a._objectid_value === delivered.activityId)).toEqual([
      expect.objectContaining({ filename: 'order.txt', mimetype: 'text/plain', filesize: 5 }),
    ]);
    expect(await c.checkIncoming(msg)).toMatchObject({ shouldDeliver: false, reason: 'duplicate', correlatedActivityId: delivered.activityId });

    const reply = incoming({ messageId: '<reply-1@customer.test>', subject: 'Re: Order 42', from: { address: 'x@else.test' }, inReplyTo: '<deliver-1@customer.test>' }, 'ursula@contoso.test');
    expect(await c.checkIncoming(reply)).toMatchObject({ shouldDeliver: true, reason: 'correlation-match' });
  });

  describe('outgoing', () => {
    function pending(subject: string, from = { id: ids.ursula, type: 'systemuser', address: 'ursula@contoso.test' }) {
      return emu.store.create('emails', {
        subject, description: `<p>${subject}</p>`, directioncode: true, statecode: 1, statuscode: 6, deliveryattempts: 0, trackingtoken: 'CRM:0001001',
        email_activity_parties: [
          { participationtypemask: 1, addressused: from.address, _partyid_value: from.id, partyobjecttypecode: from.type },
          { participationtypemask: 2, addressused: 'Carl@Customer.test', _partyid_value: ids.carl, partyobjecttypecode: 'contact' },
          { participationtypemask: 3, addressused: 'cc@else.test', _partyid_value: null },
        ],
      }).activityid as string;
    }

    it('claims pending-send emails with one $batch of conditional updates; each email is claimed by one claimer only', async () => {
      const a = pending('Offer A');
      const b = pending('Offer B', { id: ids.support, type: 'queue', address: 'support@contoso.test' });
      const [one, two] = await Promise.all([connector().claimPendingOutgoing(10, 60_000), connector().claimPendingOutgoing(10, 60_000)]);
      const claimed = [...one, ...two];
      expect(claimed.map((e) => e.emailId).sort()).toEqual([a, b].sort());
      expect(claimed.find((e) => e.emailId === a)).toEqual({
        emailId: a, claim: 1, owner: { kind: 'user', crmId: ids.ursula }, from: { address: 'ursula@contoso.test' },
        to: [{ address: 'carl@customer.test' }], cc: [{ address: 'cc@else.test' }], bcc: [], subject: 'Offer A',
        trackingToken: 'CRM:0001001', html: '<p>Offer A</p>', references: [],
      });
      expect(claimed.find((e) => e.emailId === b)?.owner).toEqual({ kind: 'queue', crmId: ids.support });
      expect(emu.store.get('emails', a)).toMatchObject({ statuscode: 7, deliveryattempts: 1 });
      const patches = emu.requests.filter((r) => r.kind === 'batch-part' && r.method === 'PATCH');
      expect(patches.every((p) => /^W\/"\d+"$/.test(p.headers['if-match'] ?? ''))).toBe(true);
      expect(patches.filter((p) => p.status === 412)).toHaveLength(patches.length - 2);
      expect(await connector().claimPendingOutgoing(10, 60_000)).toEqual([]);
      // Lease run out: claimed again, claim 2.
      const again = await connector().claimPendingOutgoing(10, 0);
      expect(again.map((e) => [e.emailId, e.claim]).sort()).toEqual([[a, 2], [b, 2]].sort());
    });

    it('markSent writes Sent with the Message-ID and attempts; markFailed writes Failed and a note in one $batch; a sent email stays sent', async () => {
      const c = connector();
      const sent = pending('Will send');
      const failed = pending('Will fail');
      await c.claimPendingOutgoing(10, 60_000);
      await c.markSent({ emailId: sent, messageId: '<mr.1@contoso.test>', deliveryAttempts: 2 });
      expect(emu.store.get('emails', sent)).toMatchObject({ statecode: 1, statuscode: 3, messageid: '<mr.1@contoso.test>', deliveryattempts: 2 });
      emu.requests.length = 0;
      await c.markFailed({ emailId: failed, messageId: '', deliveryAttempts: 3, reason: '550 5.1.1 user unknown' });
      expect(emu.store.get('emails', failed)).toMatchObject({ statecode: 0, statuscode: 8, deliveryattempts: 3 });
      expect(emu.store.list('annotations').find((n) => n._objectid_value === failed)).toMatchObject({ notetext: '550 5.1.1 user unknown' });
      expect(emu.requests.filter((r) => r.kind === 'api' && r.path.endsWith('$batch'))).toHaveLength(1);
      await c.markFailed({ emailId: sent, messageId: '', deliveryAttempts: 1, reason: 'late' });
      expect(emu.store.get('emails', sent)).toMatchObject({ statuscode: 3 });
      await expect(c.markSent({ emailId: ids.carl, messageId: '<x@y>', deliveryAttempts: 1 })).rejects.toThrow(/Does Not Exist/);
    });
  });
});
