import { parse } from 'yaml';
import { IdIndex, toApiBody } from './config-apply';
import { liveDocument } from './config-document';
import { exportYaml } from './config-export';
import { parseConfigText, resolveSecrets } from './config-file';
import { formatPlan, planChanges } from './config-plan';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** API views as the config service shows them, including fields this CLI has no code for (graph). */
const live = {
  profiles: [
    {
      id: 'p-graph', name: 'M365', direction: 'incoming', protocol: 'graph', host: null, port: 443, security: 'tls', auth: { type: 'oauth2' },
      credentials: 'profile', username: null, hasPassword: false, pollIntervalSeconds: 60,
      graph: { tenantId: 'contoso.onmicrosoft.com', clientId: 'c1', hasClientSecret: true, certificate: { thumbprint: 'AB12', hasPrivateKey: true }, authority: null },
      createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-02T00:00:00Z',
    },
    { id: 'p-smtp', name: 'SMTP', direction: 'outgoing', protocol: 'smtp', host: 'smtp.x.test', port: 587, hasPassword: true, createdAt: 'x', updatedAt: 'y' },
  ],
  deployments: [{ id: 'd1', name: 'Contoso', crm: { type: 'builtin' }, tracking: { token: { prefix: 'CRM:' } }, incomingProfileId: 'p-graph', outgoingProfileId: null }],
  mailboxes: [{ id: 'm1', deploymentId: 'd1', kind: 'user', address: 'alice@contoso.test', hasPassword: false, outgoingProfileId: 'p-smtp', test: { incoming: {} } }],
};

describe('configuration document', () => {
  it('turns every hasX (at any depth) into an env reference, ids into names, and drops read-only fields', () => {
    const { yaml, secrets } = exportYaml(live, 'http://api.test');
    const doc = parse(yaml) as Json;
    expect(doc.profiles[0]).toEqual({
      name: 'M365', direction: 'incoming', protocol: 'graph', host: null, port: 443, security: 'tls', auth: { type: 'oauth2' },
      credentials: 'profile', username: null, password: null, pollIntervalSeconds: 60,
      graph: {
        tenantId: 'contoso.onmicrosoft.com', clientId: 'c1', clientSecretFrom: { env: 'MAILROUTER_SECRET_PROFILE_M365_GRAPH_CLIENT_SECRET' },
        certificate: { thumbprint: 'AB12', privateKeyFrom: { env: 'MAILROUTER_SECRET_PROFILE_M365_GRAPH_CERTIFICATE_PRIVATE_KEY' } }, authority: null,
      },
    });
    expect(doc.deployments[0]).toMatchObject({ name: 'Contoso', incomingProfile: 'M365', outgoingProfile: null });
    expect(doc.mailboxes[0]).toEqual({ deployment: 'Contoso', address: 'alice@contoso.test', kind: 'user', password: null, outgoingProfile: 'SMTP' });
    expect(secrets.map((s) => s.env)).toEqual([
      'MAILROUTER_SECRET_PROFILE_M365_GRAPH_CLIENT_SECRET', 'MAILROUTER_SECRET_PROFILE_M365_GRAPH_CERTIFICATE_PRIVATE_KEY', 'MAILROUTER_SECRET_PROFILE_SMTP_PASSWORD',
    ]);
    expect(yaml).not.toMatch(/createdAt|updatedAt|p-graph|d1|test:/);
  });

  it('plans nothing for its own export, and a nested secret only where the live one is missing', () => {
    const { yaml } = exportYaml(live, 'x');
    const file = parseConfigText(yaml, 'f.yaml');
    const current = liveDocument(live);
    expect(planChanges(file, current, { prune: false, updateSecrets: false })).toEqual({ items: [], unchanged: 4, kept: [] });
    const withoutSecret = structuredClone(live);
    withoutSecret.profiles[0].graph!.hasClientSecret = false;
    const plan = planChanges(file, liveDocument(withoutSecret), { prune: false, updateSecrets: false });
    expect(formatPlan(plan)).toEqual(['~ update profile "M365": graph.clientSecret set']);
    const rotate = planChanges(file, current, { prune: false, updateSecrets: true });
    expect(formatPlan(rotate)[0]).toBe('~ update profile "M365": graph.clientSecret replace; graph.certificate.privateKey replace');
  });

  it('builds API bodies: names → ids, references resolved, only the secrets asked for, nulls dropped on create', () => {
    const { yaml } = exportYaml(live, 'x');
    const file = parseConfigText(yaml, 'f.yaml');
    const env = { MAILROUTER_SECRET_PROFILE_M365_GRAPH_CLIENT_SECRET: 's3', MAILROUTER_SECRET_PROFILE_M365_GRAPH_CERTIFICATE_PRIVATE_KEY: 'pem', MAILROUTER_SECRET_PROFILE_SMTP_PASSWORD: 'pw' };
    const resolve = resolveSecrets(file, env, '/tmp');
    const ids = new IdIndex(live);
    expect(toApiBody(file.profiles[0], ids, resolve, () => true, true)).toMatchObject({
      graph: { tenantId: 'contoso.onmicrosoft.com', clientId: 'c1', clientSecret: 's3', certificate: { thumbprint: 'AB12', privateKey: 'pem' } },
    });
    expect(toApiBody(file.profiles[0], ids, resolve, () => true, true)).not.toHaveProperty('host');
    expect(toApiBody(file.mailboxes[0], ids, resolve, () => false, false)).toEqual({ deploymentId: 'd1', address: 'alice@contoso.test', kind: 'user', password: null, outgoingProfileId: 'p-smtp' });
    expect(toApiBody(file.profiles[0], ids, resolve, (p) => p === 'graph.clientSecret', false).graph).toEqual({
      tenantId: 'contoso.onmicrosoft.com', clientId: 'c1', clientSecret: 's3', certificate: { thumbprint: 'AB12' }, authority: null,
    });
  });

  it('names every problem of a file: inline secrets, bad references, duplicates, unknown keys', () => {
    const text = [
      'apiVersion: mailrouter/v1', 'extra: 1',
      'profiles:', '  - name: A', '    password: x', '  - name: A', '    graph: { clientSecret: y, certificate: { privateKey: z } }', '  - name: B', '    passwordFrom: { env: 1 }',
      'mailboxes:', '  - deployment: D',
    ].join('\n');
    expect(() => parseConfigText(text, 'f.yaml')).toThrow(
      [
        'f.yaml: 7 problem(s):',
        '  extra: unknown top-level key (expected apiVersion, kind, profiles, deployments, mailboxes)',
        '  profiles[0].password: inline secret values are refused; write passwordFrom: { env: NAME } (or { file: PATH })',
        '  profiles[1]: duplicate profile "A"',
        '  profiles[1].graph.clientSecret: inline secret values are refused; write clientSecretFrom: { env: NAME } (or { file: PATH })',
        '  profiles[1].graph.certificate.privateKey: inline secret values are refused; write privateKeyFrom: { env: NAME } (or { file: PATH })',
        '  profiles[2].passwordFrom: a secret reference is { env: NAME } or { file: PATH }',
        '  mailboxes[0].address: required (a non-empty string)',
      ].join('\n'),
    );
  });

  it('resolves file references relative to the configuration file and names every missing secret', () => {
    const file = parseConfigText('profiles:\n  - name: A\n    passwordFrom: { file: secrets/a }\n  - name: B\n    passwordFrom: { env: B_PW }\n', 'f.yaml');
    expect(() => resolveSecrets(file, {}, '/nonexistent')).toThrow(/profiles\[0\]\.passwordFrom: cannot read \/nonexistent\/secrets\/a \(ENOENT\)\n {2}profiles\[1\]\.passwordFrom: environment variable B_PW is not set/);
  });
});
