import { promises as dns } from 'node:dns';

export type DnsResolve = (name: string, rrtype: string) => Promise<unknown>;

export interface DnsCacheOptions {
  /** How long an answer (records, or "no such name / no such record") is reused; 0: no cache. */
  ttlMs: number;
  /** Most names kept; the least recently stored go first. */
  maxEntries: number;
  now?: () => number;
}

/** Answers that say the record does not exist: as cacheable as records. Anything else (timeouts, SERVFAIL) is not kept. */
const NEGATIVE = new Set(['ENOTFOUND', 'ENODATA']);

/**
 * DNS for DKIM / DMARC / SPF with a small cache in front: the same From domain's `_dmarc`
 * record (and its DKIM keys) is asked for by every message it sends, and a burst from one
 * domain made one look-up per message. Concurrent look-ups of the same name share one query.
 * One lost UDP answer costs the resolver's 1 s retry: per message that stalled every message
 * in flight (docs/performance.md F10); now it costs one message per name per TTL.
 *
 * Node's resolver does not return TTLs for TXT records, so answers are kept for a fixed time
 * (DNS_CACHE_SECONDS, 60 s by default): a changed DMARC policy or DKIM key takes effect after at
 * most that long. Temporary failures are never cached.
 */
export function cachingResolver(resolve: DnsResolve, opts: DnsCacheOptions): DnsResolve {
  if (opts.ttlMs <= 0) return resolve;
  const now = opts.now ?? Date.now;
  const cache = new Map<string, { expires: number; answer: Promise<unknown> }>();
  return (name, rrtype) => {
    const key = `${rrtype} ${name.toLowerCase()}`;
    const hit = cache.get(key);
    if (hit && hit.expires > now()) return hit.answer;
    if (hit) cache.delete(key);
    const answer = resolve(name, rrtype);
    const entry = { expires: now() + opts.ttlMs, answer };
    cache.set(key, entry);
    answer.catch((err: { code?: string }) => {
      if (!NEGATIVE.has(err?.code ?? '') && cache.get(key) === entry) cache.delete(key);
    });
    while (cache.size > opts.maxEntries) cache.delete(cache.keys().next().value as string);
    return answer;
  };
}

/** The system resolver, as mailauth uses it by default. */
export const systemResolve: DnsResolve = (name, rrtype) => dns.resolve(name, rrtype);
