import { timingSafeEqual } from 'node:crypto';
import { isPlainAddress, normalizeAddress } from '@mailrouter/domain';
import { forwardRuleTokens, type SecretKeys } from '@mailrouter/platform';

/**
 * What a forward mailbox receives, taken apart without trusting it:
 * - "forward as attachment" wrappers (Exchange/Graph inbox rules, Outlook): each attached
 *   `message/rfc822` part is one of the forwarding user's messages;
 * - Sieve redirects (our ManageSieve rule): the message itself, marked with FORWARDED_FOR_HEADER
 *   and a token only a router with ROUTER_SECRET_KEY can compute.
 *
 * mailparser inlines attached messages into the wrapper's text, so the MIME tree is walked here
 * on the raw bytes (latin1 keeps every byte as one character).
 */

/** Default most attached messages taken from one wrapper; the rest are named in the verdict. */
export const DEFAULT_FORWARD_MAX_MESSAGES = 20;
/** Nesting of multiparts walked to find attached messages (a wrapper needs 1–3). */
const MAX_MIME_DEPTH = 8;

interface Entity {
  headers: string;
  body: string;
}

function splitEntity(raw: string): Entity {
  const m = /\r?\n\r?\n/.exec(raw);
  if (!m) return { headers: raw, body: '' };
  return { headers: raw.slice(0, m.index), body: raw.slice(m.index + m[0].length) };
}

/** Every value of a header field in an entity's header block (unfolded, in order). */
export function headerValues(headers: string, name: string): string[] {
  const unfolded = headers.replace(/\r?\n[ \t]+/g, ' ');
  const wanted = name.toLowerCase();
  return unfolded.split(/\r?\n/)
    .map((line) => /^([^:\s]+)\s*:\s?(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => !!m && m[1].toLowerCase() === wanted)
    .map((m) => m[2].trim());
}

/** The top-level header fields of a raw message. */
export function topHeaderValues(raw: Buffer, name: string): string[] {
  return headerValues(splitEntity(raw.toString('latin1')).headers, name);
}

function contentType(headers: string): { type: string; boundary?: string } {
  const value = headerValues(headers, 'content-type')[0] ?? 'text/plain';
  const type = value.split(';')[0].trim().toLowerCase();
  const b = /;\s*boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(value);
  return { type, ...(b ? { boundary: b[1] ?? b[2] } : {}) };
}

function decodeBody(headers: string, body: string): Buffer {
  const cte = (headerValues(headers, 'content-transfer-encoding')[0] ?? '7bit').toLowerCase();
  if (cte === 'base64') return Buffer.from(body.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
  if (cte === 'quoted-printable') {
    return Buffer.from(body.replace(/=\r?\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1');
  }
  return Buffer.from(body, 'latin1');
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The parts of a multipart body, between `--boundary` lines, up to `--boundary--`. */
function multipartParts(body: string, boundary: string): string[] {
  const delimiter = new RegExp(`(?:^|\\r?\\n)--${escapeRegExp(boundary)}(--)?[ \\t]*(?=\\r?\\n|$)`, 'g');
  const parts: string[] = [];
  let start = -1;
  for (let m = delimiter.exec(body); m; m = delimiter.exec(body)) {
    if (start >= 0) parts.push(body.slice(start, m.index).replace(/^\r?\n/, ''));
    if (m[1]) return parts;
    start = m.index + m[0].length;
  }
  if (start >= 0) parts.push(body.slice(start).replace(/^\r?\n/, '')); // no closing delimiter: take what is there
  return parts;
}

export interface AttachedMessages {
  /** The raw attached messages, in MIME order, at most `max`. */
  messages: Buffer[];
  /** How many more attached messages were found beyond `max`. */
  skipped: number;
}

/**
 * The `message/rfc822` parts of a wrapper (not the wrapper itself, and not messages attached to
 * those: an attached message's own attachments belong to it).
 */
export function findAttachedMessages(raw: Buffer, max = DEFAULT_FORWARD_MAX_MESSAGES): AttachedMessages {
  const found: Buffer[] = [];
  let total = 0;
  const walk = (entity: Entity, depth: number) => {
    const { type, boundary } = contentType(entity.headers);
    if (type === 'message/rfc822' && depth > 0) {
      total++;
      if (found.length < max) found.push(decodeBody(entity.headers, entity.body));
      return;
    }
    if (!type.startsWith('multipart/') || !boundary || depth >= MAX_MIME_DEPTH) return;
    for (const part of multipartParts(entity.body, boundary)) walk(splitEntity(part), depth + 1);
  };
  walk(splitEntity(raw.toString('latin1')), 0);
  return { messages: found, skipped: total - found.length };
}

export type ForwardedForClaim =
  | { status: 'absent' }
  | { status: 'valid'; user: string }
  | { status: 'invalid'; user?: string; why: string };

/**
 * Checks FORWARDED_FOR_HEADER (`user@x; token=<forwardRuleToken>`) against the forward mailbox
 * the message arrived in. Only a token computed with our key for exactly this forward mailbox
 * and user is believed; everything else says why not.
 */
export function verifyForwardedFor(values: string[], forwardAddress: string, key: SecretKeys | undefined): ForwardedForClaim {
  if (values.length === 0) return { status: 'absent' };
  if (values.length > 1) return { status: 'invalid', why: `it carries ${values.length} forwarded-for headers where a rule writes one` };
  const m = /^\s*([^\s;]+)\s*;\s*token=([A-Za-z0-9_-]+)\s*$/.exec(values[0]);
  if (!m || !isPlainAddress(m[1])) return { status: 'invalid', why: `its forwarded-for header "${values[0].slice(0, 200)}" is not "<address>; token=<token>"` };
  const user = normalizeAddress(m[1]);
  if (!key) return { status: 'invalid', user, why: `it claims to be ${user}'s mail, but crm-sync has no ROUTER_SECRET_KEY to verify the token` };
  // Any key of the ring: rules deployed before a rotation carry a token under an older key.
  const given = Buffer.from(m[2]);
  const matches = forwardRuleTokens(key, forwardAddress, user).map((t) => Buffer.from(t))
    .filter((expected) => expected.length === given.length && timingSafeEqual(expected, given));
  if (matches.length === 0) {
    return { status: 'invalid', user, why: `it claims to be ${user}'s mail, but its token was not written by a rule this router deployed to forward to ${forwardAddress}` };
  }
  return { status: 'valid', user };
}
