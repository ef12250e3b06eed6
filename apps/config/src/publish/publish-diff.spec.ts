import { DEFAULT_DEPLOYMENT_TRACKING, PublishedConfigV1, SealedSecretV1 } from '@mailrouter/contracts';
import { diffPublished, fieldChanges } from './publish-diff';

const sealed = (data: string): SealedSecretV1 => ({ alg: 'A256GCM', iv: 'aXY=', tag: 'dGFn', data });

const base: PublishedConfigV1 = {
  schema: 'mailrouter.config.v1', version: 1, publishedAt: '2025-01-01T00:00:00.000Z', comment: 'one',
  deployments: [{ id: 'd1', name: 'Contoso', crm: { type: 'builtin' }, tracking: DEFAULT_DEPLOYMENT_TRACKING }],
  mailboxes: [{
    id: 'm1', deploymentId: 'd1', kind: 'user', address: 'alice@example.com', enabled: true, deleteAfterProcessing: false,
    pollIntervalSeconds: 60,
    incoming: {
      profileId: 'p1', protocol: 'imap', host: 'imap.example.com', port: 143, security: 'starttls',
      auth: { type: 'basic', username: 'alice', password: sealed('c2VjcmV0MQ==') }, mailbox: 'alice@example.com',
      allowInvalidCertificates: false, maxConnections: 2,
    },
  }],
};

describe('diffPublished', () => {
  it('finds nothing between a version and itself, whatever the version number or comment', () => {
    const diff = diffPublished(base, { ...base, version: 7, comment: 'other', publishedAt: 'later' });
    expect(diff.identical).toBe(true);
  });

  it('lists added, removed and changed objects with each changed field', () => {
    const draft: PublishedConfigV1 = {
      ...base,
      deployments: [{ ...base.deployments[0], tracking: { ...DEFAULT_DEPLOYMENT_TRACKING, token: { ...DEFAULT_DEPLOYMENT_TRACKING.token, prefix: 'ACME#' } } }],
      mailboxes: [
        { ...base.mailboxes[0], enabled: false, incoming: { ...base.mailboxes[0].incoming!, port: 993 } },
        { ...base.mailboxes[0], id: 'm2', address: 'bob@example.com' },
      ],
    };
    const diff = diffPublished(base, draft);
    expect(diff.identical).toBe(false);
    expect(diff.deployments.changed).toEqual([{
      id: 'd1', name: 'Contoso', fields: [{ field: 'tracking.token.prefix', from: DEFAULT_DEPLOYMENT_TRACKING.token.prefix, to: 'ACME#' }],
    }]);
    expect(diff.mailboxes.added).toEqual([{ id: 'm2', address: 'bob@example.com', deploymentId: 'd1' }]);
    expect(diff.mailboxes.changed).toEqual([{
      id: 'm1', address: 'alice@example.com', deploymentId: 'd1',
      fields: [{ field: 'enabled', from: true, to: false }, { field: 'incoming.port', from: 143, to: 993 }],
    }]);
    expect(diffPublished(draft, base).mailboxes.removed).toEqual([{ id: 'm2', address: 'bob@example.com', deploymentId: 'd1' }]);
  });

  it('treats everything as added when nothing is published', () => {
    const diff = diffPublished(undefined, base);
    expect(diff.deployments.added).toEqual([{ id: 'd1', name: 'Contoso' }]);
    expect(diff.mailboxes.added.map((m) => m.address)).toEqual(['alice@example.com']);
  });

  it('reports a secret as set / changed / cleared and never its sealed value', () => {
    const withPassword = (p?: SealedSecretV1) => ({ auth: { type: 'basic', ...(p && { password: p }) } });
    const changed = fieldChanges(withPassword(sealed('b2xk')), withPassword(sealed('bmV3')));
    expect(changed).toEqual([{ field: 'auth.password', secret: true, change: 'changed' }]);
    expect(JSON.stringify(changed)).not.toMatch(/b2xk|bmV3/);
    expect(fieldChanges(withPassword(), withPassword(sealed('bmV3')))).toEqual([{ field: 'auth.password', secret: true, change: 'set' }]);
    expect(fieldChanges(withPassword(sealed('b2xk')), withPassword())).toEqual([{ field: 'auth.password', secret: true, change: 'cleared' }]);
    expect(fieldChanges(withPassword(sealed('b2xk')), withPassword(sealed('b2xk')))).toEqual([]);
  });

  it('shows a setting that appears or disappears with null on the missing side', () => {
    expect(fieldChanges({ a: 1 }, { a: 1, b: { c: 'x' } })).toEqual([{ field: 'b.c', from: null, to: 'x' }]);
    expect(fieldChanges({ list: [1, 2] }, { list: [2, 1] })).toEqual([{ field: 'list', from: [1, 2], to: [2, 1] }]);
  });
});
