import { authenticate, dkimVerify, dmarc as verifyDmarc, type DKIMVerifyResult, type DMARCResult, type DNSResolver, type SPFResult } from 'mailauth';
import { headerBlock, headerFields } from './header-fields';

/** How long the whole evaluation (its DNS lookups) may take before the answer is `temperror`. */
export const AUTHENTICATION_TIMEOUT_MS = 10_000;
/** Only the header is read for From and Authentication-Results; no header is longer than this. */
const MAX_HEADER_SCAN = 256 * 1024;

export type DmarcOutcome = 'pass' | 'fail' | 'none' | 'temperror';

export interface AuthenticationResult {
  dmarc: DmarcOutcome;
  /** Best DKIM result over the signatures (`pass`, `fail`, `neutral`, `none`, `temperror`, `permerror`, …). */
  dkim: string;
  /** SPF result; `none` when the connecting IP is unknown. */
  spf: string;
  /** Domain of the From address (what DMARC protects); '' when the message has none. */
  fromDomain: string;
  /** The published DMARC policy (`none`, `quarantine`, `reject`) when known. */
  policy?: string;
  /** One line for the operator: where the verdict comes from and the details. */
  summary: string;
}

export interface AuthenticateMessageOptions {
  /** DNS lookups (name, rrtype) → records as node's dns.resolve returns them; defaults to the system resolver. */
  resolver?: (name: string, rrtype: string) => Promise<unknown>;
  /** authserv-ids of our own receiving servers, whose Authentication-Results header is believed. */
  trustedAuthservIds?: string[];
  /** Envelope sender (MAIL FROM), for SPF. */
  sender?: string;
  /** Connecting client IP: without it SPF is not evaluated. */
  ip?: string;
  helo?: string;
  /** Overrides AUTHENTICATION_TIMEOUT_MS. */
  timeoutMs?: number;
}

const DMARC_OUTCOMES = new Set<DmarcOutcome>(['pass', 'fail', 'none', 'temperror']);
const DKIM_RANK = ['pass', 'fail', 'policy', 'neutral', 'temperror', 'permerror', 'none'];

/**
 * Tells whether the From domain of a received message is authentic (DMARC). When a trusted
 * receiving server already wrote an Authentication-Results header with a DMARC result, that
 * is used; otherwise DKIM and DMARC are evaluated with mailauth (SPF too when the connecting
 * IP is given). Never hangs: past the timeout (DNS) the answer is `temperror`.
 */
export async function authenticateMessage(raw: Buffer, opts: AuthenticateMessageOptions = {}): Promise<AuthenticationResult> {
  const fields = headerFields(headerBlock(raw.subarray(0, MAX_HEADER_SCAN).toString('latin1')));
  const fromDomains = fromDomainsOf(fields.filter((f) => f.name === 'from').map((f) => f.value));
  const fromDomain = fromDomains[0] ?? '';
  if (new Set(fromDomains).size > 1) {
    return { dmarc: 'fail', dkim: 'none', spf: 'none', fromDomain, summary: `several From domains (${[...new Set(fromDomains)].join(', ')}): the sender cannot be authenticated` };
  }
  const trusted = trustedResults(fields, opts.trustedAuthservIds ?? [], fromDomain);
  if (trusted) return trusted;

  const timeoutMs = opts.timeoutMs ?? AUTHENTICATION_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<AuthenticationResult>((resolve) => {
    timer = setTimeout(() => resolve(temporaryFailure(fromDomain, opts, `no answer within ${timeoutMs} ms (DNS)`)), timeoutMs);
  });
  try {
    return await Promise.race([evaluate(raw, opts, fromDomain), timeout]);
  } catch (err) {
    return temporaryFailure(fromDomain, opts, `evaluation failed: ${(err as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
}

async function evaluate(raw: Buffer, opts: AuthenticateMessageOptions, fromDomain: string): Promise<AuthenticationResult> {
  const resolver = opts.resolver as DNSResolver | undefined;
  let dkim: DKIMVerifyResult;
  let dmarc: DMARCResult | false;
  let spf: SPFResult | false = false;
  if (opts.ip) {
    const result = await authenticate(raw, { resolver, ip: opts.ip, helo: opts.helo, sender: opts.sender, mta: 'mailrouter', disableArc: true, disableBimi: true });
    ({ dkim, dmarc, spf } = result);
  } else {
    // Without the connecting IP there is no SPF to check: run the two steps authenticate() would, minus SPF.
    dkim = await dkimVerify(dkimInput(raw), { resolver, sender: opts.sender });
    dmarc = dkim.headerFrom?.length
      ? await verifyDmarc({
          headerFrom: dkim.headerFrom,
          spfDomains: [],
          dkimDomains: dkim.results.filter((r) => r.status.result === 'pass').map((r) => ({ id: r.id, domain: r.signingDomain, aligned: r.status.aligned, underSized: r.status.underSized })),
          resolver,
        })
      : false;
  }
  const dkimResult = bestDkim(dkim);
  const spfResult = spf ? spf.status.result : 'none';
  const outcome = dmarcOutcome(dmarc ? dmarc.status.result : 'none');
  const policy = dmarc ? dmarc.policy || dmarc.p || undefined : undefined;
  const signatures = dkim.results.map((r) => `${r.signingDomain || '?'}=${r.status.result}`).join(', ') || 'unsigned';
  return {
    dmarc: outcome,
    dkim: dkimResult,
    spf: spfResult,
    fromDomain,
    ...(policy ? { policy } : {}),
    summary: `evaluated: dmarc=${outcome}${policy ? ` (p=${policy})` : ''}; dkim=${dkimResult} (${signatures}); spf=${spfResult}${opts.ip ? ` (ip ${opts.ip})` : ' (no connecting IP)'}`,
  };
}

/**
 * What dkimVerify needs to read: the whole message when its header carries a signature (a
 * DKIM-Signature, or an ARC set whose message signature covers the body), else only the header.
 * An unsigned message's body changes nothing in the result (no body hash is asked for), and
 * hashing it line by line was mailauth's largest cost per received message (crm-sync profile,
 * docs/performance.md F9). Anything that merely mentions a signature field keeps the whole message.
 */
export function dkimInput(raw: Buffer): Buffer {
  const end = headerEnd(raw);
  if (end === undefined) return raw;
  return SIGNATURE_FIELD.test(raw.toString('latin1', 0, end)) ? raw : raw.subarray(0, end);
}

const SIGNATURE_FIELD = /dkim-signature|arc-/i;

/** Byte offset just past the header's blank line, as mailauth's parser finds it (LF LF or LF CR LF); undefined when not within MAX_HEADER_SCAN. */
function headerEnd(raw: Buffer): number | undefined {
  const scan = raw.subarray(0, MAX_HEADER_SCAN);
  const lflf = scan.indexOf('\n\n', 0, 'latin1');
  const lfcrlf = scan.indexOf('\n\r\n', 0, 'latin1');
  const ends = [lflf === -1 ? -1 : lflf + 2, lfcrlf === -1 ? -1 : lfcrlf + 3].filter((e) => e >= 0);
  return ends.length ? Math.min(...ends) : undefined;
}

/** The topmost Authentication-Results header from a trusted authserv-id that has a DMARC result for this From domain. */
function trustedResults(fields: Array<{ name: string; value: string }>, trustedIds: string[], fromDomain: string): AuthenticationResult | undefined {
  const trusted = new Set(trustedIds.map((id) => id.trim().toLowerCase()).filter(Boolean));
  if (trusted.size === 0) return undefined;
  for (const { name, value } of fields) {
    if (name !== 'authentication-results') continue;
    const [idPart, ...resinfos] = stripComments(value).split(';');
    const authservId = idPart.trim().split(/\s+/)[0]?.toLowerCase();
    if (!authservId || !trusted.has(authservId)) continue;
    const results = resinfos.map(parseResinfo).filter((r): r is Resinfo => Boolean(r));
    const dmarc = results.find((r) => r.method === 'dmarc');
    if (!dmarc) return undefined;
    const headerFrom = dmarc.props['header.from']?.toLowerCase();
    if (headerFrom && fromDomain && headerFrom !== fromDomain) return undefined;
    const dkims = results.filter((r) => r.method === 'dkim').map((r) => r.result);
    const dkim = dkims.sort((a, b) => rank(a) - rank(b))[0] ?? 'none';
    const spf = results.find((r) => r.method === 'spf')?.result ?? 'none';
    const outcome = dmarcOutcome(dmarc.result);
    return {
      dmarc: outcome, dkim, spf, fromDomain,
      summary: `Authentication-Results from trusted ${authservId}: dmarc=${dmarc.result}; dkim=${dkim}; spf=${spf}`,
    };
  }
  return undefined;
}

interface Resinfo {
  method: string;
  result: string;
  props: Record<string, string>;
}

function parseResinfo(text: string): Resinfo | undefined {
  const match = /^\s*([a-z0-9-]+)(?:\/\d+)?\s*=\s*([a-z0-9_-]+)(.*)$/i.exec(text);
  if (!match) return undefined;
  const props: Record<string, string> = {};
  for (const prop of match[3].matchAll(/([a-z0-9_-]+\.[a-z0-9_-]+)\s*=\s*("[^"]*"|[^\s;]+)/gi)) {
    props[prop[1].toLowerCase()] = prop[2].replace(/^"|"$/g, '');
  }
  return { method: match[1].toLowerCase(), result: match[2].toLowerCase(), props };
}

/** Removes RFC 5322 comments (nested parentheses), which may contain anything, including ';'. */
function stripComments(value: string): string {
  let depth = 0;
  let out = '';
  for (const ch of value) {
    if (ch === '(') depth++;
    else if (ch === ')' && depth > 0) depth--;
    else if (depth === 0) out += ch;
  }
  return out;
}

function fromDomainsOf(values: string[]): string[] {
  return values.flatMap((value) => {
    const addresses = [...stripComments(value).matchAll(/[^\s<>",;:]+@([^\s<>",;:]+)/g)];
    return addresses.map((m) => m[1].toLowerCase().replace(/\.$/, ''));
  });
}

function bestDkim(dkim: DKIMVerifyResult): string {
  const results = dkim.results.map((r) => r.status.result as string);
  return results.sort((a, b) => rank(a) - rank(b))[0] ?? 'none';
}

function rank(result: string): number {
  const index = DKIM_RANK.indexOf(result);
  return index < 0 ? DKIM_RANK.length : index;
}

function dmarcOutcome(result: string): DmarcOutcome {
  if (result === 'temperr') return 'temperror';
  return DMARC_OUTCOMES.has(result as DmarcOutcome) ? (result as DmarcOutcome) : 'none';
}

function temporaryFailure(fromDomain: string, opts: AuthenticateMessageOptions, why: string): AuthenticationResult {
  return { dmarc: 'temperror', dkim: 'temperror', spf: opts.ip ? 'temperror' : 'none', fromDomain, summary: `temperror: ${why}` };
}
