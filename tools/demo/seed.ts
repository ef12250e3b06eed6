/**
 * The demo world, created through the public APIs (so it exercises the same path an admin
 * does): a built-in CRM with two users, a queue, contacts and an account; IMAP + SMTP profiles
 * on the demo servers; a deployment; Load Data; each mailbox's credentials; Test Access; Publish.
 * Idempotent: a second start finds everything in place and changes nothing.
 */
export interface Api {
  call<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
}

export interface DemoMailUser {
  local: string;
  fullName: string;
  password: string;
  kind: 'user' | 'queue';
  tracking: string;
}

export interface DemoSettings {
  domain: string;
  imapPort: number;
  pop3Port: number;
  smtpPort: number;
  users: DemoMailUser[];
}

interface Named { id: string; name?: string; email?: string; fullName?: string; address?: string; crmId?: string }

async function ensure<T extends Named>(api: Api, path: string, match: (x: T) => boolean, body: unknown): Promise<{ item: T; created: boolean }> {
  const list = await api.call<T[]>('GET', path);
  const found = list.find(match);
  if (found) return { item: found, created: false };
  return { item: await api.call<T>('POST', path, body), created: true };
}

export async function seedDemo(api: Api, s: DemoSettings): Promise<{ firstRun: boolean; mailboxes: Named[] }> {
  const at = (local: string) => `${local}@${s.domain}`;
  const account = await ensure(api, '/crm/v1/accounts', (a) => a.name === 'Contoso Ltd', { name: 'Contoso Ltd', email: 'info@contoso.example' });
  await ensure(api, '/crm/v1/accounts', (a) => a.name === 'Fabrikam Inc', { name: 'Fabrikam Inc', email: 'hello@fabrikam.example' });
  await ensure(api, '/crm/v1/contacts', (c) => c.email === 'dana@contoso.example', { fullName: 'Dana Whitfield', email: 'dana@contoso.example', accountId: account.item.id });
  await ensure(api, '/crm/v1/contacts', (c) => c.email === 'lee@fabrikam.example', { fullName: 'Lee Ortega', email: 'lee@fabrikam.example' });
  await ensure(api, '/crm/v1/leads', (l) => l.email === 'sam@prospect.example', { fullName: 'Sam Prospect', email: 'sam@prospect.example' });
  for (const u of s.users) {
    if (u.kind === 'user') {
      await ensure(api, '/crm/v1/users', (x) => x.email === at(u.local), { fullName: u.fullName, email: at(u.local), incomingTracking: u.tracking, emailRouter: true });
    } else {
      await ensure(api, '/crm/v1/queues', (x) => x.email === at(u.local), { name: u.fullName, email: at(u.local), incomingTracking: u.tracking, emailRouter: true });
    }
  }

  const imap = await ensure(api, '/api/v1/profiles', (p) => p.name === 'Demo IMAP', {
    name: 'Demo IMAP', direction: 'incoming', protocol: 'imap', host: '127.0.0.1', port: s.imapPort, security: 'none',
    auth: { type: 'basic' }, credentials: 'mailbox', pollIntervalSeconds: 5, manageSievePort: s.imapPort + 47,
  });
  await ensure(api, '/api/v1/profiles', (p) => p.name === 'Demo POP3', {
    name: 'Demo POP3', direction: 'incoming', protocol: 'pop3', host: '127.0.0.1', port: s.pop3Port, security: 'none',
    auth: { type: 'basic' }, credentials: 'mailbox', pollIntervalSeconds: 5, manageSievePort: s.imapPort + 47,
  });
  const smtp = await ensure(api, '/api/v1/profiles', (p) => p.name === 'Demo SMTP', {
    name: 'Demo SMTP', direction: 'outgoing', protocol: 'smtp', host: '127.0.0.1', port: s.smtpPort, security: 'none',
    auth: { type: 'none' }, credentials: 'profile',
  });
  const deployment = await ensure(api, '/api/v1/deployments', (d) => d.name === 'Demo (built-in CRM)', {
    name: 'Demo (built-in CRM)', crm: { type: 'builtin' }, incomingProfileId: imap.item.id, outgoingProfileId: smtp.item.id,
  });
  const loaded = await api.call<{ created: Named[]; updated: Named[] }>('POST', `/api/v1/deployments/${deployment.item.id}/load-data`);
  const mailboxes = await api.call<Named[]>('GET', `/api/v1/mailboxes?deploymentId=${deployment.item.id}`);
  for (const mb of loaded.created) {
    const u = s.users.find((x) => at(x.local) === mb.address);
    if (u) await api.call('PATCH', `/api/v1/mailboxes/${mb.id}`, { username: u.local, password: u.password });
  }
  for (const mb of mailboxes) await api.call('POST', `/api/v1/mailboxes/${mb.id}/test-access`);
  const versions = await api.call<unknown[]>('GET', '/api/v1/publish');
  if (loaded.created.length || versions.length === 0) await api.call('POST', '/api/v1/publish', { comment: 'demo seed' });
  return { firstRun: account.created, mailboxes };
}
