import { cachingResolver, DnsResolve } from './dns-cache';

/** A resolver that counts its queries and answers from a table (absent: ENOTFOUND; 'timeout': ETIMEOUT). */
function fakeDns(table: Record<string, unknown>) {
  const asked: string[] = [];
  const resolve: DnsResolve = async (name, rrtype) => {
    asked.push(`${rrtype} ${name}`);
    const answer = table[name];
    if (answer === 'timeout') throw Object.assign(new Error(`queryTxt ETIMEOUT ${name}`), { code: 'ETIMEOUT' });
    if (answer === undefined) throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
    return answer;
  };
  return { asked, resolve };
}

describe('cachingResolver (DKIM/DMARC look-ups)', () => {
  let clock = 0;
  const now = () => clock;
  beforeEach(() => {
    clock = 1_000_000;
  });

  it('asks the resolver once per name and record type within the TTL, then again', async () => {
    const dns = fakeDns({ '_dmarc.contoso.test': [['v=DMARC1; p=reject']] });
    const cached = cachingResolver(dns.resolve, { ttlMs: 60_000, maxEntries: 100, now });
    for (let i = 0; i < 5; i++) expect(await cached('_dmarc.contoso.test', 'TXT')).toEqual([['v=DMARC1; p=reject']]);
    expect(await cached('_DMARC.Contoso.TEST', 'TXT')).toEqual([['v=DMARC1; p=reject']]);
    expect(dns.asked).toEqual(['TXT _dmarc.contoso.test']);
    clock += 60_001;
    await cached('_dmarc.contoso.test', 'TXT');
    expect(dns.asked).toHaveLength(2);
  });

  it('shares one query between concurrent look-ups of the same name', async () => {
    const dns = fakeDns({ '_dmarc.contoso.test': [['v=DMARC1; p=none']] });
    const cached = cachingResolver(dns.resolve, { ttlMs: 60_000, maxEntries: 100, now });
    await Promise.all(Array.from({ length: 16 }, () => cached('_dmarc.contoso.test', 'TXT')));
    expect(dns.asked).toHaveLength(1);
  });

  it('keeps "no such record" like an answer, but never a timeout', async () => {
    const dns = fakeDns({ '_dmarc.slow.test': 'timeout' });
    const cached = cachingResolver(dns.resolve, { ttlMs: 60_000, maxEntries: 100, now });
    for (let i = 0; i < 3; i++) await expect(cached('_dmarc.nowhere.test', 'TXT')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    for (let i = 0; i < 3; i++) await expect(cached('_dmarc.slow.test', 'TXT')).rejects.toMatchObject({ code: 'ETIMEOUT' });
    expect(dns.asked.filter((q) => q.includes('nowhere'))).toHaveLength(1);
    expect(dns.asked.filter((q) => q.includes('slow'))).toHaveLength(3);
  });

  it('keeps at most maxEntries names, dropping the oldest', async () => {
    const dns = fakeDns({ 'a.test': ['a'], 'b.test': ['b'], 'c.test': ['c'] });
    const cached = cachingResolver(dns.resolve, { ttlMs: 60_000, maxEntries: 2, now });
    await cached('a.test', 'TXT');
    await cached('b.test', 'TXT');
    await cached('c.test', 'TXT');
    await cached('a.test', 'TXT');
    expect(dns.asked).toEqual(['TXT a.test', 'TXT b.test', 'TXT c.test', 'TXT a.test']);
  });

  it('with a TTL of 0 asks every time', async () => {
    const dns = fakeDns({ 'a.test': ['a'] });
    const cached = cachingResolver(dns.resolve, { ttlMs: 0, maxEntries: 100, now });
    await cached('a.test', 'TXT');
    await cached('a.test', 'TXT');
    expect(dns.asked).toHaveLength(2);
  });
});
