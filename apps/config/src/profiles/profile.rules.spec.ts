import { defaultPort, draftProfile, profileProblems } from './profile.rules';

const defaults = { pollIntervalSeconds: 60, maxConnections: 4 };

describe('profile rules', () => {
  it('defaults the port by protocol and security', () => {
    expect([defaultPort('imap', 'none'), defaultPort('imap', 'starttls'), defaultPort('imap', 'tls')]).toEqual([143, 143, 993]);
    expect([defaultPort('pop3', 'starttls'), defaultPort('pop3', 'tls')]).toEqual([110, 995]);
    expect([defaultPort('smtp', 'starttls'), defaultPort('smtp', 'tls'), defaultPort('smtp', 'none')]).toEqual([587, 465, 25]);
  });

  it('fills defaults on create, and the poll interval only for incoming profiles', () => {
    const incoming = draftProfile({ name: 'in', direction: 'incoming', protocol: 'pop3', host: 'h', security: 'tls' }, undefined, defaults);
    expect(incoming).toMatchObject({ port: 995, pollIntervalSeconds: 60, maxConnections: 4, authType: 'basic', credentials: 'mailbox', allowInvalidCertificates: false });
    const outgoing = draftProfile({ name: 'out', direction: 'outgoing', protocol: 'smtp', host: 'h', security: 'starttls' }, undefined, defaults);
    expect(outgoing).toMatchObject({ port: 587, pollIntervalSeconds: null });
  });

  it('moves a default port with the security mode but keeps an explicit one', () => {
    const byDefault = draftProfile({ name: 'a', direction: 'incoming', protocol: 'imap', host: 'h', security: 'none' }, undefined, defaults);
    expect(draftProfile({ security: 'tls' }, byDefault, defaults).port).toBe(993);
    const explicit = { ...byDefault, port: 10143 };
    expect(draftProfile({ security: 'tls' }, explicit, defaults).port).toBe(10143);
  });

  it('keeps the password when absent, clears it on null', () => {
    const current = draftProfile({ name: 'a', direction: 'incoming', protocol: 'imap', host: 'h', password: 'pw' }, undefined, defaults);
    expect(current.hasPassword).toBe(true);
    expect(draftProfile({ host: 'other' }, current, defaults).hasPassword).toBe(true);
    expect(draftProfile({ password: null }, current, defaults).hasPassword).toBe(false);
  });

  it('names the protocol when it does not fit the direction', () => {
    const input = { name: 'a', direction: 'outgoing' as const, protocol: 'imap' as const, host: 'h' };
    expect(profileProblems(draftProfile(input, undefined, defaults), input).map((p) => p.field)).toEqual(['protocol']);
    const smtpIn = { name: 'a', direction: 'incoming' as const, protocol: 'smtp' as const, host: 'h' };
    expect(profileProblems(draftProfile(smtpIn, undefined, defaults), smtpIn).map((p) => p.field)).toEqual(['protocol']);
  });

  it("requires the username and password of a profile whose credentials are the profile's", () => {
    const input = { name: 'a', direction: 'incoming' as const, protocol: 'imap' as const, host: 'h', credentials: 'profile' as const };
    expect(profileProblems(draftProfile(input, undefined, defaults), input).map((p) => p.field)).toEqual(['username', 'password']);
    const none = { ...input, auth: { type: 'none' as const } };
    expect(profileProblems(draftProfile(none, undefined, defaults), none)).toEqual([]);
    const full = { ...input, username: 'u', password: 'p' };
    expect(profileProblems(draftProfile(full, undefined, defaults), full)).toEqual([]);
  });

  it('refuses a poll interval on an outgoing profile', () => {
    const input = { name: 'a', direction: 'outgoing' as const, protocol: 'smtp' as const, host: 'h', pollIntervalSeconds: 5 };
    expect(profileProblems(draftProfile(input, undefined, defaults), input).map((p) => p.field)).toEqual(['pollIntervalSeconds']);
  });
});

describe('profile rules for Exchange (ews) and Microsoft 365 (graph)', () => {
  const fieldsOf = (input: Parameters<typeof draftProfile>[0], current?: ReturnType<typeof draftProfile>) =>
    profileProblems(draftProfile(input, current, defaults), input).map((p) => p.field);
  const ewsIn = { name: 'ex', direction: 'incoming' as const, protocol: 'ews' as const };
  const graphOut = { name: 'g', direction: 'outgoing' as const, protocol: 'graph' as const };
  const app = { tenantId: 'contoso.onmicrosoft.com', clientId: '0f9c3a52-1b2d-4c5e-8f70-a1b2c3d4e5f6' };

  it('derives host, port and security of an ews profile from its URL, and needs no host', () => {
    const input = { ...ewsIn, ews: { url: 'https://mail.contoso.com:8443/EWS/Exchange.asmx' } };
    const draft = draftProfile(input, undefined, defaults);
    expect(draft).toMatchObject({ host: 'mail.contoso.com', port: 8443, security: 'tls', authType: 'basic', credentials: 'mailbox' });
    expect(profileProblems(draft, input)).toEqual([]);
    const plain = draftProfile({ ...ewsIn, ews: { url: 'http://127.0.0.1:5099/ews' } }, undefined, defaults);
    expect(plain).toMatchObject({ host: '127.0.0.1', port: 5099, security: 'none' });
  });

  it('with Autodiscover leaves the host to each mailbox (port 443), and wants exactly one of url / autodiscover', () => {
    const auto = { ...ewsIn, ews: { autodiscover: true, autodiscoverUrl: 'https://autodiscover.contoso.com/autodiscover/autodiscover.svc' } };
    expect(draftProfile(auto, undefined, defaults)).toMatchObject({ host: '', port: 443, security: 'tls' });
    expect(fieldsOf(auto)).toEqual([]);
    expect(fieldsOf(ewsIn)).toEqual(['ews.url']);
    expect(fieldsOf({ ...ewsIn, ews: { url: 'https://m.contoso.com/EWS/Exchange.asmx', autodiscover: true } })).toEqual(['ews.autodiscover']);
    expect(fieldsOf({ ...ewsIn, ews: { url: 'https://m.contoso.com/EWS/Exchange.asmx', autodiscoverUrl: 'https://a.contoso.com/x' } })).toEqual(['ews.autodiscoverUrl']);
    expect(fieldsOf({ ...ewsIn, host: 'm.contoso.com', port: 443, ews: { autodiscover: true } })).toEqual(['host', 'port']);
  });

  it('switches between URL and Autodiscover on PATCH without naming both', () => {
    const byUrl = draftProfile({ ...ewsIn, ews: { url: 'https://m.contoso.com/EWS/Exchange.asmx' } }, undefined, defaults);
    const toAuto = draftProfile({ ews: { autodiscover: true } }, byUrl, defaults);
    expect(toAuto.ews).toEqual({ autodiscover: true });
    expect(toAuto.host).toBe('');
    const back = draftProfile({ ews: { url: 'https://n.contoso.com/EWS/Exchange.asmx' } }, toAuto, defaults);
    expect(back.ews).toEqual({ autodiscover: false, url: 'https://n.contoso.com/EWS/Exchange.asmx' });
    expect(back.host).toBe('n.contoso.com');
  });

  it("takes NTLM with a domain, gives the profile's account impersonation by default, and refuses delegation for mailbox credentials", () => {
    const input = {
      ...ewsIn, ews: { url: 'https://m.contoso.com/EWS/Exchange.asmx' }, auth: { type: 'ntlm' as const, domain: 'CONTOSO' },
      credentials: 'profile' as const, username: 'svc-router', password: 'pw',
    };
    const draft = draftProfile(input, undefined, defaults);
    expect(draft).toMatchObject({ authType: 'ntlm', authDomain: 'CONTOSO', ews: { mailboxAccess: 'impersonation' } });
    expect(profileProblems(draft, input)).toEqual([]);
    const delegated = draftProfile({ ews: { mailboxAccess: 'delegate' } }, draft, defaults);
    expect(delegated.ews?.mailboxAccess).toBe('delegate');
    expect(draftProfile({ ews: { mailboxAccess: null } }, delegated, defaults).ews?.mailboxAccess).toBe('impersonation');
    expect(fieldsOf({ ...input, username: undefined, password: undefined })).toEqual(['username', 'password']);
    expect(fieldsOf({ ...input, credentials: 'mailbox', ews: { ...input.ews, mailboxAccess: 'delegate' } })).toEqual(['ews.mailboxAccess']);
    expect(draftProfile({ credentials: 'mailbox' }, draft, defaults).ews?.mailboxAccess).toBeUndefined();
    expect(fieldsOf({ ...input, auth: { type: 'basic', domain: 'CONTOSO' } })).toEqual(['auth.domain']);
  });

  it('names auth types a protocol does not speak', () => {
    expect(fieldsOf({ ...ewsIn, ews: { autodiscover: true }, auth: { type: 'oauth2' } })).toEqual(['auth.type']);
    expect(fieldsOf({ name: 'i', direction: 'incoming', protocol: 'imap', host: 'h', auth: { type: 'ntlm' } })).toEqual(['auth.type']);
    expect(fieldsOf({ ...graphOut, graph: { ...app, clientSecret: 's' }, auth: { type: 'basic' } })).toEqual(['auth.type']);
  });

  it('makes graph oauth2 with the app registration, one of a client secret or a certificate', () => {
    const input = { ...graphOut, graph: { ...app, clientSecret: 's3cret' } };
    const draft = draftProfile(input, undefined, defaults);
    expect(draft).toMatchObject({
      authType: 'oauth2', credentials: 'profile', host: 'graph.microsoft.com', port: 443, security: 'tls',
      hasGraphClientSecret: true, hasGraphPrivateKey: false, sendAccess: 'send-as', sendingAccount: null,
    });
    expect(profileProblems(draft, input)).toEqual([]);
    expect(fieldsOf(graphOut)).toEqual(['graph.tenantId', 'graph.clientId', 'graph.clientSecret']);
    const withCert = draftProfile({ graph: { certificate: { thumbprint: 'ab'.repeat(20), privateKey: 'PEM' } } }, draft, defaults);
    expect(profileProblems(withCert, {}).map((p) => p.field)).toEqual(['graph.certificate']);
    const switched = draftProfile({ graph: { clientSecret: null, certificate: { thumbprint: 'AB'.repeat(20), privateKey: 'PEM' } } }, draft, defaults);
    expect(switched).toMatchObject({ hasGraphClientSecret: false, hasGraphPrivateKey: true, graph: { certificateThumbprint: 'AB'.repeat(20) } });
    expect(profileProblems(switched, {})).toEqual([]);
    expect(fieldsOf({ ...graphOut, graph: { ...app, certificate: { thumbprint: 'AB'.repeat(20) } } })).toEqual(['graph.certificate.privateKey']);
    expect(fieldsOf({ ...input, credentials: 'mailbox', username: 'u', host: 'graph.microsoft.com' })).toEqual(['host', 'credentials', 'username']);
  });

  it('sends on behalf only with a sending account (and for ews only with the profile account)', () => {
    const onBehalf = { ...graphOut, graph: { ...app, clientSecret: 's' }, sendAccess: 'on-behalf' as const };
    expect(fieldsOf(onBehalf)).toEqual(['sendingAccount']);
    expect(fieldsOf({ ...onBehalf, sendingAccount: 'crm-router@contoso.com' })).toEqual([]);
    const ewsOut = { name: 'e', direction: 'outgoing' as const, protocol: 'ews' as const, ews: { autodiscover: true }, sendAccess: 'on-behalf' as const, sendingAccount: 'r@contoso.com' };
    expect(fieldsOf(ewsOut)).toEqual(['sendAccess']);
    const smtp = { name: 's', direction: 'outgoing' as const, protocol: 'smtp' as const, host: 'h' };
    expect(fieldsOf({ ...smtp, sendAccess: 'send-as', sendingAccount: 'r@contoso.com' })).toEqual(['sendAccess', 'sendingAccount']);
  });

  it('keeps processedFolder to incoming imap/ews/graph and manageSievePort (default 4190) to incoming imap/pop3', () => {
    const imap = { name: 'i', direction: 'incoming' as const, protocol: 'imap' as const, host: 'h' };
    expect(draftProfile(imap, undefined, defaults)).toMatchObject({ manageSievePort: 4190, processedFolder: null });
    expect(fieldsOf({ ...imap, processedFolder: 'CRM/Processed', manageSievePort: 14190 })).toEqual([]);
    const pop3 = { ...imap, protocol: 'pop3' as const };
    expect(fieldsOf({ ...pop3, processedFolder: 'Done' })).toEqual(['processedFolder']);
    expect(fieldsOf({ ...ewsIn, ews: { autodiscover: true }, processedFolder: 'Done', manageSievePort: 4190 })).toEqual(['manageSievePort']);
    expect(draftProfile({ protocol: 'pop3' }, draftProfile({ ...imap, processedFolder: 'Done' }, undefined, defaults), defaults).processedFolder).toBeNull();
  });

  it('drops the settings of the old protocol when it changes', () => {
    const graph = draftProfile({ ...graphOut, graph: { ...app, clientSecret: 's' } }, undefined, defaults);
    const smtp = draftProfile({ protocol: 'smtp', host: 'smtp.contoso.com', security: 'starttls' }, graph, defaults);
    expect(smtp).toMatchObject({ graph: null, hasGraphClientSecret: false, sendAccess: null, authType: 'basic', port: 587 });
    const imap = draftProfile({ name: 'i', direction: 'incoming', protocol: 'imap', host: 'h', username: 'u', password: 'p' }, undefined, defaults);
    const toGraph = draftProfile({ protocol: 'graph', graph: { ...app, clientSecret: 's' } }, imap, defaults);
    expect(toGraph).toMatchObject({ username: null, hasPassword: false, authType: 'oauth2', manageSievePort: null, host: 'graph.microsoft.com' });
  });
});
