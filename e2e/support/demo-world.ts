import { createMailUser, MailUser, SmtpSink } from '@mailrouter/testing';
import { RouterUnderTest } from './router';

export interface CrmUser { id: string; email: string; fullName: string }
export interface Mailbox { id: string; address: string; crmId?: string; test?: unknown }

/** A deployment wired to the test Dovecot and an SMTP sink, set up through the public APIs only. */
export interface World {
  sink: SmtpSink;
  imapProfileId: string;
  pop3ProfileId: string;
  smtpProfileId: string;
  deploymentId: string;
  users: Record<string, { crm: CrmUser; mail: MailUser; mailbox: Mailbox }>;
  contact: { id: string; email: string };
  account: { id: string; email: string };
}

export async function buildWorld(
  router: RouterUnderTest,
  sink: SmtpSink,
  people: { key: string; tracking: string; pop3?: boolean; deleteAfterProcessing?: boolean }[],
): Promise<World> {
  const imap = await router.call<{ id: string }>('POST', '/api/v1/profiles', {
    name: 'Test Dovecot IMAP', direction: 'incoming', protocol: 'imap', host: '127.0.0.1', port: 10143,
    security: 'none', auth: { type: 'basic' }, credentials: 'mailbox', pollIntervalSeconds: 1,
  });
  const pop3 = await router.call<{ id: string }>('POST', '/api/v1/profiles', {
    name: 'Test Dovecot POP3', direction: 'incoming', protocol: 'pop3', host: '127.0.0.1', port: 10110,
    security: 'none', auth: { type: 'basic' }, credentials: 'mailbox', pollIntervalSeconds: 1,
  });
  const smtp = await router.call<{ id: string }>('POST', '/api/v1/profiles', {
    name: 'Test SMTP sink', direction: 'outgoing', protocol: 'smtp', host: '127.0.0.1', port: sink.port,
    security: 'none', auth: { type: 'none' }, credentials: 'profile',
  });
  const deployment = await router.call<{ id: string }>('POST', '/api/v1/deployments', {
    name: 'E2E', crm: { type: 'builtin' }, incomingProfileId: imap.id, outgoingProfileId: smtp.id,
  });
  const account = await router.call<{ id: string; email: string }>('POST', '/crm/v1/accounts', { name: 'Contoso', email: 'info@contoso.test' });
  const contact = await router.call<{ id: string; email: string }>('POST', '/crm/v1/contacts', {
    fullName: 'Dana Contact', email: 'dana@contoso.test', accountId: account.id,
  });

  const users: World['users'] = {};
  for (const p of people) {
    const mail = createMailUser(p.key);
    const crm = await router.call<CrmUser>('POST', '/crm/v1/users', {
      fullName: `${p.key} Example`, email: mail.address, incomingTracking: p.tracking, emailRouter: true,
    });
    users[p.key] = { crm, mail, mailbox: undefined as unknown as Mailbox };
  }
  const loaded = await router.call<{ created: Mailbox[] }>('POST', `/api/v1/deployments/${deployment.id}/load-data`);
  for (const p of people) {
    const u = users[p.key];
    const mb = loaded.created.find((m) => m.crmId === u.crm.id);
    if (!mb) throw new Error(`load-data did not create a mailbox for ${u.crm.email}: ${JSON.stringify(loaded)}`);
    u.mailbox = await router.call<Mailbox>('PATCH', `/api/v1/mailboxes/${mb.id}`, {
      username: u.mail.username, password: u.mail.password,
      ...(p.pop3 ? { incomingProfileId: pop3.id } : {}),
      deleteAfterProcessing: p.deleteAfterProcessing ?? false,
    });
  }
  await router.call('POST', '/api/v1/publish', { comment: 'e2e' });
  return {
    sink, imapProfileId: imap.id, pop3ProfileId: pop3.id, smtpProfileId: smtp.id, deploymentId: deployment.id,
    users, contact, account,
  };
}

export interface EmailView {
  id: string;
  direction: string;
  status: string;
  subject: string;
  messageId?: string;
  trackingToken?: string;
  owner: { type: string; id: string };
  regarding: { type: string; id: string } | null;
  parties: { role: string; address: string; record: { type: string; id: string } | null }[];
  attachments: { filename: string; size: number; stored: boolean }[];
  deliveryAttempts: number;
  failureReason?: string;
}

export async function emailsFor(router: RouterUnderTest, query: Record<string, string>): Promise<EmailView[]> {
  const qs = new URLSearchParams(query).toString();
  return router.call<EmailView[]>('GET', `/crm/v1/emails?${qs}`);
}

export async function emailById(router: RouterUnderTest, id: string): Promise<EmailView> {
  return router.call<EmailView>('GET', `/crm/v1/emails/${id}`);
}
