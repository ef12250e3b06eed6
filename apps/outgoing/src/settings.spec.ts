import { outgoingSettingsFromEnv } from './settings';

const key = Buffer.alloc(32, 7).toString('base64');

describe('outgoing settings', () => {
  it('applies the documented defaults', () => {
    const s = outgoingSettingsFromEnv({ ROUTER_SECRET_KEY: key });
    expect(s).toMatchObject({
      maxAttempts: 5,
      retry: { initialMs: 30_000, maxMs: 900_000, factor: 2 },
      concurrency: 16,
      attemptLeaseMs: 30_000,
      inFlightRecheckMs: 5_000,
      poolIdleMs: 60_000,
    });
    expect(s.secretKey.current.key).toHaveLength(32);
  });

  it('refuses a bad variable, naming it', () => {
    expect(() => outgoingSettingsFromEnv({ ROUTER_SECRET_KEY: key, SEND_MAX_ATTEMPTS: 'many' })).toThrow(/SEND_MAX_ATTEMPTS/);
    expect(() => outgoingSettingsFromEnv({})).toThrow(/ROUTER_SECRET_KEY/);
    expect(() => outgoingSettingsFromEnv({ ROUTER_SECRET_KEY: 'c2hvcnQ=' })).toThrow(/ROUTER_SECRET_KEY.*32 bytes/);
  });
});
