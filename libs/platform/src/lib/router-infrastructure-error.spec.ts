import { InfrastructureUnavailableError, isRouterInfrastructureError } from './errors';

function natsError(code: string): Error {
  return Object.assign(new Error(code), { name: 'NatsError', code });
}

describe('a poll failure: the router\'s own outage or the mail server\'s fault', () => {
  it('takes the broker away (NATS timeout, disconnect, the publisher\'s deadline) as the router\'s outage', () => {
    expect(isRouterInfrastructureError(natsError('TIMEOUT'))).toBe(true);
    expect(isRouterInfrastructureError(natsError('CONNECTION_CLOSED'))).toBe(true);
    expect(isRouterInfrastructureError(new InfrastructureUnavailableError('publish not acknowledged within 120 s'))).toBe(true);
  });

  it('takes a lost database connection (SQLSTATE 57P01, TypeORM around ECONNREFUSED) as the router\'s outage', () => {
    expect(isRouterInfrastructureError(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))).toBe(true);
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    expect(isRouterInfrastructureError(Object.assign(new Error('query failed'), { name: 'QueryFailedError', driverError: refused }))).toBe(true);
  });

  it('counts the mail server refusing the connection or the login against the mailbox', () => {
    expect(isRouterInfrastructureError(Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:993'), { code: 'ECONNREFUSED' }))).toBe(false);
    expect(isRouterInfrastructureError(Object.assign(new Error('Authentication failed.'), { authenticationFailed: true }))).toBe(false);
    expect(isRouterInfrastructureError(natsError('BAD_JSON'))).toBe(false);
  });
});
