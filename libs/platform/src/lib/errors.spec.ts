import { InfrastructureUnavailableError, isInfrastructureError, PermanentError, TransientError } from './errors';

/** A nats.js error as the client raises it (class NatsError, a string code). */
function natsError(code: string): Error {
  return Object.assign(Object.assign(new Error(code), { name: 'NatsError' }), { code });
}

describe('isInfrastructureError', () => {
  it('knows the database and the broker away', () => {
    expect(isInfrastructureError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isInfrastructureError(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))).toBe(true);
    expect(isInfrastructureError({ message: 'query failed', driverError: { code: '57P03' } })).toBe(true);
    expect(isInfrastructureError(natsError('TIMEOUT'))).toBe(true);
    expect(isInfrastructureError(natsError('503'))).toBe(true);
    expect(isInfrastructureError(new InfrastructureUnavailableError('publish not acknowledged'))).toBe(true);
  });

  it('leaves everything else to the attempt count', () => {
    expect(isInfrastructureError(new Error('duplicate key value violates unique constraint'))).toBe(false);
    expect(isInfrastructureError(natsError('BAD_JSON'))).toBe(false);
    // Not from nats.js: a code "TIMEOUT" or "503" elsewhere says nothing about the broker.
    expect(isInfrastructureError(Object.assign(new Error('x'), { code: 'TIMEOUT' }))).toBe(false);
    expect(isInfrastructureError(new TransientError('421 try later'))).toBe(false);
    expect(isInfrastructureError(new PermanentError('550 no such user'))).toBe(false);
    expect(isInfrastructureError(undefined)).toBe(false);
  });
});
