import { FORWARDED_FOR_HEADER } from '@mailrouter/domain';
import { buildForwardScript, buildWrapperScript, sieveString, SIEVE_FORWARD_SCRIPT, userScriptOfWrapper } from './sieve-script';

describe('Sieve forward script', () => {
  const input = { forwardAddress: 'crm@ours.test', userAddress: 'Alice@Ours.test', token: 'AbC_-123' };

  it('strips any incoming forwarded-for header, adds ours with the token, redirects a copy, then strips it from the kept copy', () => {
    const lines = buildForwardScript(input).split('\r\n').filter((l) => l && !l.startsWith('#'));
    expect(lines).toEqual([
      'require ["editheader", "copy"];',
      `deleteheader "${FORWARDED_FOR_HEADER}";`,
      `addheader "${FORWARDED_FOR_HEADER}" "Alice@Ours.test; token=AbC_-123";`,
      'redirect :copy "crm@ours.test";',
      `deleteheader "${FORWARDED_FOR_HEADER}";`,
    ]);
  });

  it('is deterministic (idempotent deployment compares content)', () => {
    expect(buildForwardScript(input)).toBe(buildForwardScript({ ...input }));
    expect(buildForwardScript(input)).not.toBe(buildForwardScript({ ...input, token: 'other' }));
  });

  it('refuses addresses that could break out of the Sieve string, and a bad token', () => {
    expect(() => buildForwardScript({ ...input, forwardAddress: 'x@y.test";\r\ndiscard;#' })).toThrow(/forward address .* not a plain e-mail address/);
    expect(() => buildForwardScript({ ...input, userAddress: 'nobody' })).toThrow(/user address/);
    expect(() => buildForwardScript({ ...input, token: 'a"b' })).toThrow(/token/);
    expect(sieveString('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(() => sieveString('a\nb')).toThrow(/line break/);
  });

  it('the wrapper includes ours then the user\'s script, and names the user\'s script back', () => {
    const wrapper = buildWrapperScript('my "filters"');
    expect(wrapper).toContain(`include :personal "${SIEVE_FORWARD_SCRIPT}";\r\ninclude :personal "my \\"filters\\"";`);
    expect(userScriptOfWrapper(wrapper)).toBe('my "filters"');
    expect(userScriptOfWrapper('keep;')).toBeNull();
  });
});
