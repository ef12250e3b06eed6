/**
 * Just enough RFC 5322 reading for the EMULATOR to describe a stored message the way Graph's
 * message resource does (subject, from, recipients, Message-ID). Not a full MIME parser.
 */
import addressparser from 'nodemailer/lib/addressparser';

export interface GraphEmailAddress {
  emailAddress: { name: string; address: string };
}

/** The header block, unfolded, names lower-cased; repeated headers keep the first. */
export function parseHeaders(raw: Buffer): Map<string, string> {
  const text = raw.toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  const block = (end < 0 ? text : text.slice(0, end)).replace(/\r?\n[ \t]+/g, ' ');
  const headers = new Map<string, string>();
  for (const line of block.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!headers.has(name)) headers.set(name, Buffer.from(line.slice(colon + 1).trim(), 'latin1').toString('utf8'));
  }
  return headers;
}

/** RFC 2047 encoded words (B and Q) in a header value. */
export function decodeWords(value: string): string {
  return value
    .replace(/(=\?[^?]+\?[bBqQ]\?[^?]*\?=)\s+(?==\?)/g, '$1')
    .replace(/=\?([^?*]+)(?:\*[^?]*)?\?([bBqQ])\?([^?]*)\?=/g, (_, charset: string, enc: string, data: string) => {
      const bytes = enc.toUpperCase() === 'B'
        ? Buffer.from(data, 'base64')
        : Buffer.from(data.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1');
      try {
        return new TextDecoder(charset.toLowerCase()).decode(bytes);
      } catch {
        return bytes.toString('utf8');
      }
    });
}

export function addressesOf(value: string | undefined): GraphEmailAddress[] {
  if (!value) return [];
  return addressparser(decodeWords(value), { flatten: true })
    .filter((a) => a.address)
    .map((a) => ({ emailAddress: { name: a.name ?? '', address: a.address } }));
}

/** What the emulator's message resource shows of a MIME message. */
export interface MimeSummary {
  subject: string;
  from?: GraphEmailAddress;
  sender?: GraphEmailAddress;
  toRecipients: GraphEmailAddress[];
  ccRecipients: GraphEmailAddress[];
  bccRecipients: GraphEmailAddress[];
  internetMessageId?: string;
}

export function summarise(raw: Buffer): MimeSummary {
  const h = parseHeaders(raw);
  return {
    subject: decodeWords(h.get('subject') ?? ''),
    from: addressesOf(h.get('from'))[0],
    sender: addressesOf(h.get('sender'))[0],
    toRecipients: addressesOf(h.get('to')),
    ccRecipients: addressesOf(h.get('cc')),
    bccRecipients: addressesOf(h.get('bcc')),
    internetMessageId: h.get('message-id'),
  };
}
