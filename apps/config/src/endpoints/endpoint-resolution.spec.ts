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
      allowInvalidCertificates: false, maxConnections: 4,
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
});
