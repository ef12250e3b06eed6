import { normalizeAddress, isPlainAddress } from './address';
import { applyTrackingToken, DEFAULT_TRACKING_TOKEN, findTrackingToken, formatTrackingToken, normalizeSubject } from './tracking-token';
import { deterministicMessageId, normalizeMessageId, parseMessageIdList } from './message-id';
import { classifySmtpFailure } from './smtp-failure';
import { backoffDelay } from './backoff';

describe('tracking tokens', () => {
  const s = DEFAULT_TRACKING_TOKEN;

  it('formats prefix, base number, user number and counter with their digits', () => {
    expect(formatTrackingToken(s, 7, 42)).toBe('CRM:00070042');
    expect(formatTrackingToken({ ...s, prefix: 'ACME#', baseNumber: 12 }, 1, 1)).toBe('ACME#120010001');
  });

  it('is found in a reply subject after RE:/FW:/AW:/SV: prefixes and in any position', () => {
    const token = formatTrackingToken(s, 3, 17);
    for (const subject of [`RE: Offer ${token}`, `AW: SV: ${token} Offer`, `Fwd: [ext] Offer (${token})`, `re:Offer ${token.toLowerCase()}`]) {
      expect(findTrackingToken(s, subject)).toBe(token);
    }
  });

  it('is not found when digits are missing or run on', () => {
    expect(findTrackingToken(s, 'RE: Offer CRM:0007004')).toBeUndefined();
    expect(findTrackingToken(s, 'RE: Offer CRM:000700421')).toBeUndefined();
    expect(findTrackingToken(s, 'RE: Offer')).toBeUndefined();
  });

  it('is appended once, and stripped with the reply prefixes for display', () => {
    const once = applyTrackingToken('Offer', 'CRM:00070042');
    expect(once).toBe('Offer CRM:00070042');
    expect(applyTrackingToken(once, 'CRM:00070042')).toBe(once);
    expect(normalizeSubject('RE: AW:  Offer CRM:00070042', 'CRM:00070042')).toBe('Offer');
  });
});

describe('addresses', () => {
  it('compares only the addr-spec, case-insensitively', () => {
    expect(normalizeAddress(' Dana@Contoso.TEST ')).toBe('dana@contoso.test');
    expect(isPlainAddress('dana@contoso.test')).toBe(true);
    expect(isPlainAddress('"ceo@ours.test" <x@evil.test>')).toBe(false);
    expect(isPlainAddress('a@b')).toBe(false);
  });
});

describe('message ids', () => {
  it('are deterministic per email and differ between emails', () => {
    const a = deterministicMessageId('e1', 'bob@ours.test');
    expect(deterministicMessageId('e1', 'bob@OURS.test')).toBe(a);
    expect(deterministicMessageId('e2', 'bob@ours.test')).not.toBe(a);
    expect(a).toMatch(/^<mr\.e1\.[0-9a-f]{16}@ours\.test>$/);
  });

  it('normalise brackets and domain case, and parse reference lists', () => {
    expect(normalizeMessageId('abc@Example.COM')).toBe('<abc@example.com>');
    expect(parseMessageIdList('<a@x.test>  <b@Y.test>\r\n <c@z.test>')).toEqual(['<a@x.test>', '<b@y.test>', '<c@z.test>']);
    expect(parseMessageIdList(undefined)).toEqual([]);
  });
});

describe('SMTP failures and backoff', () => {
  it('treat 4xx and connection trouble as transient, 5xx and refused auth as permanent', () => {
    expect(classifySmtpFailure({ responseCode: 451 })).toBe('transient');
    expect(classifySmtpFailure({ responseCode: 421 })).toBe('transient');
    expect(classifySmtpFailure({ responseCode: 550 })).toBe('permanent');
    expect(classifySmtpFailure({ code: 'EAUTH', responseCode: 535 })).toBe('permanent');
    expect(classifySmtpFailure({ code: 'ECONNREFUSED' })).toBe('transient');
  });

  it('grows by the factor up to the maximum', () => {
    const p = { initialMs: 1000, maxMs: 5000, factor: 2 };
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(p, n))).toEqual([1000, 2000, 4000, 5000, 5000]);
  });
});
