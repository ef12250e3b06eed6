import { hashPassword, verifyPassword } from './password-hash';
import { isOpenRoute, permissionsOf, requiredRole } from './permissions';
import { FailureLimiter } from './rate-limiter';
import { maskSecrets } from './mask-secrets';

describe('password hashing (scrypt)', () => {
  it('verifies the right password only, with a salt of its own per hash', async () => {
    const a = await hashPassword('correct horse battery');
    const b = await hashPassword('correct horse battery');
    expect(a).toMatch(/^scrypt\$16384\$8\$1\$[\w-]+\$[\w-]+$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('correct');
    expect(await verifyPassword('correct horse battery', a)).toBe(true);
    expect(await verifyPassword('correct horse batterY', a)).toBe(false);
    expect(await verifyPassword('correct horse battery', 'not-a-hash')).toBe(false);
  });
});

describe('route rule', () => {
  it.each([
    ['GET', '/api/v1/profiles/:id', 'viewer'],
    ['POST', '/api/v1/mailboxes/:id/test-access', 'operator'],
    ['POST', '/api/v1/deployments/:id/load-data', 'operator'],
    ['POST', '/api/v1/publish', 'operator'],
    ['POST', '/api/v1/publish/:version/rollback', 'operator'],
    ['POST', '/api/v1/mailboxes/rules/deploy', 'operator'],
    ['POST', '/api/v1/quarantine/:receivedId/reprocess', 'operator'],
    ['POST', '/api/v1/some-future/:id/enable', 'operator'],
    ['POST', '/api/v1/profiles', 'admin'],
    ['PATCH', '/api/v1/profiles/:id', 'admin'],
    ['DELETE', '/api/v1/mailboxes/:id', 'admin'],
    ['PUT', '/api/v1/anything-new', 'admin'],
    ['PATCH', '/api/v1/mailboxes/:id/enable', 'admin'],
    ['GET', '/api/v1/users', 'admin'],
    ['GET', '/api/v1/users/:id/tokens', 'admin'],
    ['GET', '/api/v1/audit', 'operator'],
    ['GET', '/api/v1/publish?x=/publish', 'viewer'],
  ])('%s %s needs %s', (method, path, role) => {
    expect(requiredRole(method, path)).toBe(role);
  });

  it('leaves only the login and what is not the API open', () => {
    expect(['/api/v1/auth/login', '/health/live', '/metrics', '/console/*path'].every(isOpenRoute)).toBe(true);
    expect(['/api/v1/auth/logout', '/api/v1/me', '/api/v1/profiles', '/api'].some(isOpenRoute)).toBe(false);
  });

  it('gives each role its permissions, each wider than the one below', () => {
    expect(permissionsOf('viewer')).toEqual(['trace.read', 'status.read']);
    expect(permissionsOf('operator')).toEqual(expect.arrayContaining(['publish', 'mailboxes.test-access', 'audit.read']));
    expect(permissionsOf('operator')).not.toContain('profiles.write');
    expect(permissionsOf('admin')).toEqual(expect.arrayContaining([...permissionsOf('operator'), 'users.manage', 'profiles.write']));
  });
});

describe('FailureLimiter', () => {
  it('blocks a key after N failures until its window passes, and a success resets it', () => {
    let now = 1_000_000;
    const limiter = new FailureLimiter(3, 60_000, () => now);
    for (let i = 0; i < 3; i++) {
      expect(limiter.blockedFor('u|ip')).toBe(0);
      limiter.fail('u|ip');
    }
    expect(limiter.blockedFor('u|ip')).toBe(60);
    expect(limiter.blockedFor('other|ip')).toBe(0);
    now += 45_000;
    expect(limiter.blockedFor('u|ip')).toBe(15);
    now += 15_000;
    expect(limiter.blockedFor('u|ip')).toBe(0);
    limiter.fail('u|ip');
    limiter.reset('u|ip');
    limiter.fail('u|ip');
    limiter.fail('u|ip');
    expect(limiter.blockedFor('u|ip')).toBe(0);
  });
});

describe('maskSecrets', () => {
  it('masks passwords, secrets, private keys and tokens at any depth, keeping the rest and nulls', () => {
    expect(maskSecrets({
      name: 'p', password: 'pw', graph: { clientSecret: 's', certificate: { thumbprint: 'ab', privateKey: 'KEY' } },
      crm: { clientSecret: null }, apiToken: 'x', tracking: { token: { prefix: 'CRM' } }, list: [{ newPassword: 'y' }],
    })).toEqual({
      name: 'p', password: '***', graph: { clientSecret: '***', certificate: { thumbprint: 'ab', privateKey: '***' } },
      crm: { clientSecret: null }, apiToken: '***', tracking: { token: { prefix: 'CRM' } }, list: [{ newPassword: '***' }],
    });
  });
});
