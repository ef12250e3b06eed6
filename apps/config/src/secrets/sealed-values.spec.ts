import { isSealedSecret, mapSealedSecrets } from './sealed-values';

describe('sealed values in a published snapshot', () => {
  const sealed = { alg: 'A256GCM' as const, kid: 'a', iv: 'aXY=', tag: 'dGFn', data: 'ZGF0YQ==' };
  const snapshot = { version: 3, mailboxes: [{ address: 'x@y.test', incoming: { auth: { password: sealed } }, outgoing: null }], graph: { clientSecret: { ...sealed, kid: undefined } } };

  it('finds each sealed value with its path, and only those', () => {
    const seen: string[] = [];
    mapSealedSecrets(snapshot, (s, path) => (seen.push(path), s));
    expect(seen).toEqual(['mailboxes[0].incoming.auth.password', 'graph.clientSecret']);
    expect(isSealedSecret({ alg: 'A256GCM', iv: 'x', tag: 'y' })).toBe(false);
    expect(isSealedSecret({ ...sealed, kid: 7 })).toBe(false);
  });

  it('returns the very same object when nothing was replaced, a changed copy otherwise (the input untouched)', () => {
    expect(mapSealedSecrets(snapshot, (s) => s)).toBe(snapshot);
    const replaced = mapSealedSecrets(snapshot, (s) => ({ ...s, kid: 'b' }));
    expect(replaced).not.toBe(snapshot);
    expect(replaced.mailboxes[0].incoming.auth.password.kid).toBe('b');
    expect(replaced.version).toBe(3);
    expect(snapshot.mailboxes[0].incoming.auth.password.kid).toBe('a');
  });
});
