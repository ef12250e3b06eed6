/**
 * A deployment whose CRM is Dynamics 365 / Dataverse — here the Dataverse EMULATOR
 * (tools/dataverse-emulator, a test double speaking the Web API wire format) — through the four
 * services as processes: IMAP in → CheckIncomingEmail + DeliverIncomingEmail; a Pending Send
 * email → SMTP out → Sent with its Message-ID; service protection 429s waited out.
 *
 * Configured as an admin would: profiles, a deployment with a dataverse CRM connection, Load
 * Data (the emulator's mailbox records through the connector), credentials, publish.
 */
import { simpleParser } from 'mailparser';
import { appendToInbox, buildMime, createMailUser, listInbox, MailUser, SmtpSink, waitFor } from '@mailrouter/testing';
import { DataverseEmulator, startDataverseEmulator } from '../tools/dataverse-emulator/src';
import { RouterUnderTest } from './support/router';

const CLIENT = { clientId: 'mailrouter-e2e', clientSecret: 'e2e-client-secret-value' };

describe('MailRouter end to end with a Dataverse deployment (emulator)', () => {
  const router = new RouterUnderTest({ CLAIM_INTERVAL_MS: '300', DATAVERSE_SERVER_BACKOFF_MS: '100' });
  const sink = new SmtpSink();
  let emu: DataverseEmulator;
  let user: MailUser;
  const ids: Record<string, string> = {};

  const emails = () => emu.store.list('emails');
  const apiCalls = (name: string) => emu.requests.filter((r) => r.kind === 'api' && r.path.startsWith(`/api/data/v9.2/${name}`));

  function pendingSend(subject: string, to: string): string {
    return emu.store.create('emails', {
      subject, description: `<p>${subject}</p>`, directioncode: true, statecode: 1, statuscode: 6, deliveryattempts: 0,
      trackingtoken: 'CRM:0001234',
      email_activity_parties: [
        { participationtypemask: 1, addressused: user.address, _partyid_value: ids.ursula, partyobjecttypecode: 'systemuser' },
        { participationtypemask: 2, addressused: to, _partyid_value: ids.carl, partyobjecttypecode: 'contact' },
      ],
    }).activityid as string;
  }

  beforeAll(async () => {
    emu = await startDataverseEmulator({ clients: [CLIENT] });
    await sink.start();
    await router.start();
    user = createMailUser('dvursula');
    ids.ursula = emu.store.create('systemusers', { fullname: 'Ursula Dataverse', internalemailaddress: user.address, incomingemailfilteringmethod: 0 }).systemuserid as string;
    emu.store.create('mailboxes', {
      name: 'Ursula Dataverse', emailaddress: user.address, _regardingobjectid_value: ids.ursula, regardingobjecttypecode: 'systemuser',
      incomingemaildeliverymethod: 2, outgoingemaildeliverymethod: 2, emailrouteraccessapproval: 1,
    });
    ids.carl = emu.store.create('contacts', { fullname: 'Carl Customer', emailaddress1: 'carl@customer.test' }).contactid as string;

    const imap = await router.call<{ id: string }>('POST', '/api/v1/profiles', {
      name: 'Dovecot IMAP', direction: 'incoming', protocol: 'imap', host: '127.0.0.1', port: 10143,
      security: 'none', auth: { type: 'basic' }, credentials: 'mailbox', pollIntervalSeconds: 1,
    });
    const smtp = await router.call<{ id: string }>('POST', '/api/v1/profiles', {
      name: 'SMTP sink', direction: 'outgoing', protocol: 'smtp', host: '127.0.0.1', port: sink.port,
      security: 'none', auth: { type: 'none' }, credentials: 'profile',
    });
    const deployment = await router.call<{ id: string }>('POST', '/api/v1/deployments', {
      name: 'Dataverse E2E', incomingProfileId: imap.id, outgoingProfileId: smtp.id,
      crm: { type: 'dataverse', url: emu.url, tenantId: emu.tenantId, clientId: CLIENT.clientId, clientSecret: CLIENT.clientSecret, authority: emu.authority },
    });
    const loaded = await router.call<{ created: { id: string; crmId: string }[] }>('POST', `/api/v1/deployments/${deployment.id}/load-data`);
    const mailbox = loaded.created.find((m) => m.crmId === ids.ursula);
    if (!mailbox) throw new Error(`load data did not bring Ursula's mailbox from the emulator: ${JSON.stringify(loaded)}`);
    await router.call('PATCH', `/api/v1/mailboxes/${mailbox.id}`, { username: user.username, password: user.password });
    await router.call('POST', '/api/v1/publish', { comment: 'dataverse e2e' });
  });

  afterAll(async () => {
    await router.stop();
    await sink.stop();
    await emu?.close();
  });

  it('a message in the user\'s IMAP inbox becomes one email activity in Dataverse via CheckIncomingEmail + DeliverIncomingEmail, and is marked seen', async () => {
    await appendToInbox(user, await buildMime({
      from: '"Carl Customer" <carl@customer.test>', to: user.address, subject: 'Order for 12 seats',
      messageId: '<dv-order-1@customer.test>', text: 'Please confirm.',
      attachments: [{ filename: 'order.csv', content: Buffer.from('seats,12\n'), contentType: 'text/csv' }],
    }));
    const email = await waitFor('the email activity in Dataverse', () => emails().find((e) => e.messageid === '<dv-order-1@customer.test>'), 60_000);
    expect(email).toMatchObject({ subject: 'Order for 12 seats', statuscode: 4, directioncode: false, submittedby: user.address });
    expect(email.email_activity_parties).toEqual(expect.arrayContaining([
      expect.objectContaining({ participationtypemask: 1, addressused: 'carl@customer.test', _partyid_value: ids.carl }),
      expect.objectContaining({ participationtypemask: 2, addressused: user.address, _partyid_value: ids.ursula }),
    ]));
    expect(emu.store.list('activitymimeattachments').filter((a) => a._objectid_value === email.activityid))
      .toEqual([expect.objectContaining({ filename: 'order.csv', filesize: 9 })]);
    const check = apiCalls('CheckIncomingEmail').find((r) => decodeURIComponent(r.path).includes('dv-order-1@customer.test'));
    expect(check?.status).toBe(200);
    expect(apiCalls('DeliverIncomingEmail').filter((r) => r.body.includes('dv-order-1@customer.test'))).toHaveLength(1);
    await waitFor('message marked \\Seen', async () => (await listInbox(user)).every((m) => m.flags.has('\\Seen')), 30_000);
    expect(emails().filter((e) => e.messageid === '<dv-order-1@customer.test>')).toHaveLength(1);
  });

  it('a Pending Send email in Dataverse goes out through SMTP and is marked Sent with its Message-ID', async () => {
    const id = pendingSend('Your confirmation', 'carl@customer.test');
    const sent = await waitFor('Sent in Dataverse', () => {
      const e = emu.store.get('emails', id);
      return e?.statuscode === 3 ? e : undefined;
    }, 60_000);
    expect(sent).toMatchObject({ statecode: 1, deliveryattempts: 1, messageid: expect.stringMatching(/^<.+@.+>$/) });
    const atSink = sink.accepted.find((m) => m.to.includes('carl@customer.test') && m.raw.toString().includes('Your confirmation'));
    expect(atSink).toBeDefined();
    const parsed = await simpleParser(atSink!.raw);
    expect(`<${parsed.messageId?.replace(/^<|>$/g, '')}>`).toBe(sent.messageid);
    expect(parsed.subject).toContain('CRM:0001234');
    expect(parsed.from?.value[0].address).toBe(user.address);
  });

  it('waits out service protection limits (429 Too Many Requests with Retry-After) and still sends and tracks', async () => {
    emu.requests.length = 0;
    await fetch(`${emu.url}/_emulator/throttle`, { method: 'POST', body: JSON.stringify({ count: 3, retryAfterSeconds: 1 }) });
    const id = pendingSend('After the limit', 'carl@customer.test');
    await appendToInbox(user, await buildMime({
      from: 'carl@customer.test', to: user.address, subject: 'During the limit', messageId: '<dv-throttled@customer.test>', text: 'x',
    }));
    await waitFor('Sent despite the 429s', () => emu.store.get('emails', id)?.statuscode === 3, 60_000);
    await waitFor('tracked despite the 429s', () => emails().some((e) => e.messageid === '<dv-throttled@customer.test>'), 60_000);
    const throttled = emu.requests.filter((r) => r.status === 429);
    expect(throttled).toHaveLength(3);
    expect(throttled[0].headers.authorization).toMatch(/^Bearer /);
    expect(emails().filter((e) => e.messageid === '<dv-throttled@customer.test>')).toHaveLength(1);
    expect(sink.accepted.filter((m) => m.raw.toString().includes('After the limit'))).toHaveLength(1);
  });
});
