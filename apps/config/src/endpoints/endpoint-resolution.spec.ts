import type { SealedSecretV1 } from '@mailrouter/contracts';
import { EndpointMailbox, EndpointProfile, resolveEndpoint } from './endpoint-resolution';

const sealed = (tag: string): SealedSecretV1 => ({ alg: 'A256GCM', iv: 'iv', tag, data: 'data' });

function profile(over: Partial<EndpointProfile>): EndpointProfile {
  return {
    id: 'p', name: 'p', direction: 'incoming', protocol: 'imap', host: 'mail.example.com', port: 993, security: 'tls',
    authType: 'basic', credentials: 'mailbox', username: null, password: null, pollIntervalSeconds: 60,
    maxConnections: 4, allowInvalidCertificates: false, ...over,
  };
}

const profiles = new Map<string, EndpointProfile>([
  ['dep-in', profile({ id: 'dep-in', name: 'shared imap' })],
  ['own-in', profile({ id: 'own-in', name: 'own pop3', protocol: 'pop3', port: 995, credentials: 'profile', username: 'svc', password: sealed('svc') })],
  ['dep-out', profile({ id: 'dep-out', name: 'smtp', direction: 'outgoing', protocol: 'smtp', port: 587, security: 'starttls', authType: 'none' })],
  ['half', profile({ id: 'half', name: 'half', credentials: 'profile', username: 'svc' })],
]);
const byId = (id: string) => profiles.get(id);
const deployment = { incomingProfileId: 'dep-in', outgoingProfileId: 'dep-out' };
const mailbox = (over: Partial<EndpointMailbox> = {}): EndpointMailbox => ({
  address: 'alice@example.com', username: null, password: sealed('alice'), incomingProfileId: null, outgoingProfileId: null, ...over,
});

describe('resolveEndpoint', () => {
  it("uses the deployment's profile and the mailbox's own credentials, username defaulting to the address", () => {
    const r = resolveEndpoint('incoming', mailbox(), deployment, byId);
    expect(r.problem).toBeUndefined();
    expect(r.endpoint).toEqual({
      profileId: 'dep-in', protocol: 'imap', host: 'mail.example.com', port: 993, security: 'tls',
      auth: { type: 'basic', username: 'alice@example.com', password: sealed('alice') },
      allowInvalidCertificates: false, maxConnections: 4, mailbox: 'alice@example.com', manageSievePort: 4190,
    });
    expect(resolveEndpoint('incoming', mailbox({ username: 'ALICE' }), deployment, byId).endpoint?.auth.username).toBe('ALICE');
  });

  it("lets the mailbox's profile override the deployment's, with the profile's credentials", () => {
    const r = resolveEndpoint('incoming', mailbox({ incomingProfileId: 'own-in' }), deployment, byId);
    expect(r.endpoint).toMatchObject({ profileId: 'own-in', protocol: 'pop3', port: 995, auth: { type: 'basic', username: 'svc', password: sealed('svc') } });
  });

  it('carries no credentials for auth none', () => {
    const r = resolveEndpoint('outgoing', mailbox(), deployment, byId);
    expect(r.endpoint).toMatchObject({ profileId: 'dep-out', protocol: 'smtp', auth: { type: 'none' } });
    expect(r.endpoint?.auth).toEqual({ type: 'none' });
  });

  it('reports not-run without a profile', () => {
    const r = resolveEndpoint('outgoing', mailbox(), { incomingProfileId: 'dep-in', outgoingProfileId: null }, byId);
    expect(r.endpoint).toBeUndefined();
    expect(r.problem).toEqual({ status: 'not-run', message: expect.stringMatching(/^no outgoing profile/) });
  });

  it('reports missing credentials as a failure naming what is missing', () => {
    const own = resolveEndpoint('incoming', mailbox({ password: null }), deployment, byId);
    expect(own.problem).toEqual({ status: 'failure', message: expect.stringContaining('the mailbox has no password') });
    const prof = resolveEndpoint('incoming', mailbox({ incomingProfileId: 'half' }), deployment, byId);
    expect(prof.problem).toEqual({ status: 'failure', message: expect.stringContaining("profile 'half' has no password") });
  });

  it('refuses a profile of the wrong direction', () => {
    const r = resolveEndpoint('incoming', mailbox({ incomingProfileId: 'dep-out' }), deployment, byId);
    expect(r.endpoint).toBeUndefined();
    expect(r.problem?.status).toBe('failure');
  });

  describe('Exchange (ews) and Microsoft 365 (graph)', () => {
    const app = { tenantId: 'contoso.onmicrosoft.com', clientId: '0f9c3a52-1b2d-4c5e-8f70-a1b2c3d4e5f6' };
    const exchange = new Map<string, EndpointProfile>([
      ['ews-url', profile({
        id: 'ews-url', name: 'exchange', protocol: 'ews', host: 'mail.contoso.com', port: 443, authType: 'ntlm', authDomain: 'CONTOSO',
        credentials: 'profile', username: 'svc-router', password: sealed('svc'),
        ews: { url: 'https://mail.contoso.com/EWS/Exchange.asmx', autodiscover: false, mailboxAccess: 'delegate' }, processedFolder: 'CRM/Done',
      })],
      ['ews-auto', profile({
        id: 'ews-auto', name: 'exchange auto', protocol: 'ews', host: '', port: 443,
        ews: { autodiscover: true, autodiscoverUrl: 'https://autodiscover.contoso.com/autodiscover/autodiscover.svc' },
      })],
      ['graph-in', profile({
        id: 'graph-in', name: 'm365', protocol: 'graph', host: 'graph.microsoft.com', port: 443, authType: 'oauth2', credentials: 'profile',
        graph: { ...app, authority: 'http://127.0.0.1:5100/tenant', baseUrl: 'http://127.0.0.1:5100/v1.0' }, graphClientSecret: sealed('app'),
      })],
      ['graph-out', profile({
        id: 'graph-out', name: 'm365 out', direction: 'outgoing', protocol: 'graph', host: 'graph.microsoft.com', port: 443, authType: 'oauth2',
        credentials: 'profile', graph: { ...app, certificateThumbprint: 'AB'.repeat(20) }, graphPrivateKey: sealed('key'),
        sendAccess: 'on-behalf', sendingAccount: 'crm-router@contoso.com', pollIntervalSeconds: null,
      })],
      ['graph-bare', profile({ id: 'graph-bare', name: 'no secret', protocol: 'graph', authType: 'oauth2', credentials: 'profile', graph: app })],
    ]);
    const get = (id: string) => exchange.get(id);
    const on = (incoming: string, outgoing: string | null = null) => ({ incomingProfileId: incoming, outgoingProfileId: outgoing });

    it("sends an ews endpoint with its URL, the NTLM domain and the profile account's mailbox access", () => {
      const r = resolveEndpoint('incoming', mailbox(), on('ews-url'), get);
      expect(r.problem).toBeUndefined();
      expect(r.endpoint).toEqual({
        profileId: 'ews-url', protocol: 'ews', host: 'mail.contoso.com', port: 443, security: 'tls',
        auth: { type: 'ntlm', username: 'svc-router', password: sealed('svc'), domain: 'CONTOSO' },
        allowInvalidCertificates: false, maxConnections: 4, mailbox: 'alice@example.com',
        ews: { url: 'https://mail.contoso.com/EWS/Exchange.asmx', mailboxAccess: 'delegate' }, processedFolder: 'CRM/Done',
      });
    });

    it("reaches an Autodiscover profile at the mailbox's domain, with the mailbox's own credentials and no mailbox access", () => {
      const r = resolveEndpoint('incoming', mailbox({ address: 'bob@fabrikam.example', username: 'FABRIKAM\\bob' }), on('ews-auto'), get);
      expect(r.problem).toBeUndefined();
      expect(r.endpoint).toMatchObject({
        protocol: 'ews', host: 'fabrikam.example', port: 443, security: 'tls', mailbox: 'bob@fabrikam.example',
        auth: { type: 'basic', username: 'FABRIKAM\\bob', password: sealed('alice') },
        ews: { autodiscoverUrl: 'https://autodiscover.contoso.com/autodiscover/autodiscover.svc' },
      });
      expect(r.endpoint?.ews).not.toHaveProperty('mailboxAccess');
      expect(r.endpoint?.auth).not.toHaveProperty('domain');
    });

    it('sends graph with oauth2 and the sealed app secret, never a mailbox password nor a credentials problem', () => {
      const r = resolveEndpoint('incoming', mailbox({ password: null }), on('graph-in'), get);
      expect(r.problem).toBeUndefined();
      expect(r.endpoint?.auth).toEqual({ type: 'oauth2' });
      expect(r.endpoint?.graph).toEqual({ ...app, clientSecret: sealed('app'), authority: 'http://127.0.0.1:5100/tenant', baseUrl: 'http://127.0.0.1:5100/v1.0' });
      expect(r.endpoint).toMatchObject({ mailbox: 'alice@example.com', host: 'graph.microsoft.com' });
      expect(r.endpoint).not.toHaveProperty('manageSievePort');
    });

    it('sends on behalf with the sending account, with a certificate instead of a secret', () => {
      const r = resolveEndpoint('outgoing', mailbox(), on('dep-in', 'graph-out'), get);
      expect(r.problem).toBeUndefined();
      expect(r.endpoint).toMatchObject({
        protocol: 'graph', sendAccess: 'on-behalf', sendingAccount: 'crm-router@contoso.com',
        graph: { ...app, certificate: { thumbprint: 'AB'.repeat(20), privateKey: sealed('key') } },
      });
      expect(r.endpoint?.graph).not.toHaveProperty('clientSecret');
      expect(r.endpoint).not.toHaveProperty('processedFolder');
    });

    it('names the missing Graph secret', () => {
      const r = resolveEndpoint('incoming', mailbox(), on('graph-bare'), get);
      expect(r.problem).toEqual({ status: 'failure', message: "missing credentials: profile 'no secret' has no Graph client secret or certificate" });
    });
  });
});
