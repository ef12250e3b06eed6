import { Readable } from 'node:stream';
import { AddressObject, ParsedMail, simpleParser } from 'mailparser';
import { EmailAddress, isPlainAddress, normalizeAddress, normalizeMessageId, ParsedEmail, parseMessageIdList } from '@mailrouter/domain';
import { checkMimeLimits, DEFAULT_MIME_LIMITS, MimeLimits, UnparseableMailError } from './mime-limits';

export { MailLimitExceededError, UnparseableMailError } from './mime-limits';

/**
 * mailparser is fed the raw message in slices of this size: given a 43 MB message as one
 * buffer it held the event loop for 300–750 ms in one go (a 30 MB attachment); in 1 MiB slices,
 * under 50 ms, the same total time.
 */
export const PARSE_SLICE_BYTES = 1024 * 1024;

function* slices(raw: Buffer): Generator<Buffer> {
  for (let at = 0; at < raw.length; at += PARSE_SLICE_BYTES) yield raw.subarray(at, at + PARSE_SLICE_BYTES);
}

type Addressish = AddressObject | AddressObject[] | undefined;
interface AddressValue { address?: string; name?: string; group?: AddressValue[] }

function flatten(values: AddressValue[]): AddressValue[] {
  return values.flatMap((v) => (v.group ? flatten(v.group) : [v]));
}

/**
 * Text PostgreSQL can store: NUL is the one character a `text` column refuses, and a message
 * carrying one (in its subject, body, a name) was retried until quarantined as delivery-failed.
 */
export function withoutNul(text: string): string;
export function withoutNul(text: string | undefined): string | undefined;
export function withoutNul(text: string | undefined): string | undefined {
  return text?.includes('\0') ? text.replace(/\0/g, '') : text;
}

/** Only the addr-spec counts: `"ceo@ours.test" <x@evil.test>` is x@evil.test, named "ceo@ours.test". */
function addresses(field: Addressish): EmailAddress[] {
  if (!field) return [];
  const objects = Array.isArray(field) ? field : [field];
  return flatten(objects.flatMap((o) => o.value as AddressValue[]))
    .filter((v) => v.address && isPlainAddress(v.address.trim()))
    .map((v) => ({ address: normalizeAddress(v.address!), ...(v.name ? { name: withoutNul(v.name) } : {}) }));
}

/**
 * Parses raw MIME into what the connector sees. Throws UnparseableMailError for non-mail, and
 * MailLimitExceededError (without parsing) for a message over one of `limits`.
 */
export async function parseMail(raw: Uint8Array, limits: MimeLimits = DEFAULT_MIME_LIMITS): Promise<ParsedEmail> {
  return (await parseMailDetailed(raw, limits)).email;
}

/** parseMail, and mailparser's own result (header fields, parts) for the inspections. */
export async function parseMailDetailed(raw: Uint8Array, limits: MimeLimits = DEFAULT_MIME_LIMITS): Promise<{ email: ParsedEmail; parsed: ParsedMail }> {
  checkMimeLimits(raw, limits);
  let parsed: ParsedMail;
  try {
    // Views, not copies: a message of MAX_PARSE_BYTES is not held twice.
    const input = Readable.from(slices(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength)), { objectMode: false });
    parsed = await simpleParser(input, { skipImageLinks: true, skipTextToHtml: true });
  } catch (err) {
    throw new UnparseableMailError(`mailparser could not read the message: ${(err as Error).message}`);
  }
  if (parsed.headers.size === 0) throw new UnparseableMailError('the message has no header fields: not an RFC 5322 message');
  const inReplyTo = parseMessageIdList(parsed.inReplyTo)[0];
  const email: ParsedEmail = {
    messageId: withoutNul(normalizeMessageId(parsed.messageId)),
    inReplyTo: withoutNul(inReplyTo),
    references: parseMessageIdList(parsed.references).map((r) => withoutNul(r)),
    subject: withoutNul(parsed.subject ?? ''),
    from: addresses(parsed.from)[0],
    to: addresses(parsed.to),
    cc: addresses(parsed.cc),
    date: parsed.date,
    text: withoutNul(parsed.text),
    html: typeof parsed.html === 'string' ? withoutNul(parsed.html) : undefined,
    attachments: parsed.attachments.map((a) => ({
      filename: withoutNul(a.filename ?? 'attachment'),
      contentType: withoutNul(a.contentType ?? 'application/octet-stream'),
      size: a.size ?? a.content.length,
      content: a.content,
    })),
  };
  return { email, parsed };
}
