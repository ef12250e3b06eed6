import { DEFAULT_DEPLOYMENT_TRACKING, PublishedConfigV1, SealedSecretV1 } from '@mailrouter/contracts';
import type { EndpointProfile } from '../endpoints/endpoint-resolution';
import { buildPublishedConfig, ConfigState, redactPublishedConfig } from './published-config.builder';

const sealed: SealedSecretV1 = { alg: 'A256GCM', iv: 'aXY=', tag: 'dGFn', data: 'ZGF0YQ==' };
const imap: EndpointProfile = {
  id: 'p-in', name: 'imap', direction: 'incoming', protocol: 'imap', host: 'imap.example.com', port: 143, security: 'starttls',
  authType: 'basic', credentials: 'mailbox', username: null, password: null, pollIntervalSeconds: 15, maxConnections: 2,
  allowInvalidCertificates: true,
};
const state: ConfigState = {
  profiles: [imap],
  deployments: [{
    id: 'd1', name: 'Contoso', crmType: 'builtin', crmConnection: null, crmClientSecret: null, tracking: {}, incomingProfileId: 'p-in', outgoingProfileId: null,
  }],
  mailboxes: [
    { id: 'm2', deploymentId: 'd1', kind: 'queue', address: 'support@example.com', crmId: 'q1', enabled: true, deleteAfterProcessing: true,
      username: null, password: sealed, incomingProfileId: null, outgoingProfileId: null },
    { id: 'm1', deploymentId: 'd1', kind: 'user', address: 'alice@example.com', crmId: null, enabled: false, deleteAfterProcessing: false,
      username: null, password: null, incomingProfileId: null, outgoingProfileId: null },
  ],
};

describe('buildPublishedConfig', () => {
  const cfg = buildPublishedConfig(state, { version: 3, publishedAt: '2025-01-01T00:00:00.000Z', comment: 'go', defaultPollIntervalSeconds: 60 });

  it('is a valid PublishedConfigV1 with deployments and every mailbox', () => {
    expect(PublishedConfigV1.parse(cfg)).toEqual(cfg);
    expect(cfg).toMatchObject({ schema: 'mailrouter.config.v1', version: 3, comment: 'go' });
    expect(cfg.deployments).toEqual([
      { id: 'd1', name: 'Contoso', crm: { type: 'builtin' }, tracking: DEFAULT_DEPLOYMENT_TRACKING, incomingProfileId: 'p-in' },
    ]);
    expect(cfg.mailboxes.map((m) => m.address)).toEqual(['alice@example.com', 'support@example.com']);
  });

  it('resolves endpoints with the sealed password as stored and the profile poll interval', () => {
    const support = cfg.mailboxes.find((m) => m.id === 'm2')!;
    expect(support).toMatchObject({ kind: 'queue', crmId: 'q1', enabled: true, deleteAfterProcessing: true, pollIntervalSeconds: 15 });
    expect(support.incoming).toEqual({
      profileId: 'p-in', protocol: 'imap', host: 'imap.example.com', port: 143, security: 'starttls',
      auth: { type: 'basic', username: 'support@example.com', password: sealed }, allowInvalidCertificates: true, maxConnections: 2,
      mailbox: 'support@example.com', manageSievePort: 4190,
    });
    expect(support.outgoing).toBeUndefined();
  });

  it('falls back to the default poll interval without an incoming profile', () => {
    const noProfile = buildPublishedConfig({ ...state, deployments: [{ ...state.deployments[0], incomingProfileId: null }] },
      { version: 1, publishedAt: 'x', defaultPollIntervalSeconds: 42 });
    expect(noProfile.mailboxes.map((m) => m.pollIntervalSeconds)).toEqual([42, 42]);
    expect(noProfile.mailboxes.every((m) => m.incoming === undefined)).toBe(true);
  });

  it('redacts passwords into hasPassword', () => {
    const shown = JSON.stringify(redactPublishedConfig(cfg));
    expect(shown).not.toContain(sealed.data);
    expect(shown).toContain('"hasPassword":true');
    expect(shown).toContain('"hasPassword":false');
  });

  it('publishes a dataverse connection with its sealed secret and the tracking settings; redacts the secret', () => {
    const tracking = { ...DEFAULT_DEPLOYMENT_TRACKING, token: { ...DEFAULT_DEPLOYMENT_TRACKING.token, prefix: 'ACME#' } };
    const dataverse = buildPublishedConfig({
      ...state,
      deployments: [{
        ...state.deployments[0], crmType: 'dataverse', tracking,
        crmConnection: { url: 'https://contoso.crm.dynamics.com', tenantId: 't1', clientId: 'c1' }, crmClientSecret: sealed,
      }],
    }, { version: 1, publishedAt: 'x', defaultPollIntervalSeconds: 60 });
    expect(dataverse.deployments[0].crm).toEqual({
      type: 'dataverse', url: 'https://contoso.crm.dynamics.com', tenantId: 't1', clientId: 'c1', clientSecret: sealed,
    });
    expect(dataverse.deployments[0].tracking.token.prefix).toBe('ACME#');
    const shown = redactPublishedConfig(dataverse) as PublishedConfigV1;
    expect(shown.deployments[0].crm).toEqual({
      type: 'dataverse', url: 'https://contoso.crm.dynamics.com', tenantId: 't1', clientId: 'c1', hasClientSecret: true,
    });
    expect(JSON.stringify(shown)).not.toContain(sealed.data);
  });

  it('publishes a graph profile with its sealed app secret and key, and redacts them', () => {
    const graph: EndpointProfile = {
      ...imap, id: 'p-graph', name: 'm365', protocol: 'graph', host: 'graph.microsoft.com', port: 443, security: 'tls', authType: 'oauth2',
      credentials: 'profile', graph: { tenantId: 't', clientId: 'c', certificateThumbprint: 'AB'.repeat(20) },
      graphClientSecret: null, graphPrivateKey: { ...sealed, data: 'cHJpdmF0ZWtleQ==' },
    };
    const withGraph = buildPublishedConfig(
      { ...state, profiles: [graph], deployments: [{ ...state.deployments[0], incomingProfileId: 'p-graph' }] },
      { version: 4, publishedAt: 'x', defaultPollIntervalSeconds: 60 },
    );
    expect(PublishedConfigV1.parse(withGraph)).toEqual(withGraph);
    const alice = withGraph.mailboxes.find((m) => m.id === 'm1')!;
    expect(alice.incoming).toMatchObject({
      protocol: 'graph', mailbox: 'alice@example.com', auth: { type: 'oauth2' },
      graph: { tenantId: 't', clientId: 'c', certificate: { thumbprint: 'AB'.repeat(20), privateKey: { data: 'cHJpdmF0ZWtleQ==' } } },
    });
    const shown = JSON.stringify(redactPublishedConfig(withGraph));
    expect(shown).not.toContain('cHJpdmF0ZWtleQ==');
    expect(shown).toContain('"certificate":{"thumbprint":"' + 'AB'.repeat(20) + '","hasPrivateKey":true}');
    expect(shown).toContain('"hasClientSecret":false');
  });
});
