import { AddressObject, ParsedMail, simpleParser } from 'mailparser';
import { EmailAddress, isPlainAddress, normalizeAddress, normalizeMessageId, ParsedEmail, parseMessageIdList } from '@mailrouter/domain';

export class UnparseableMailError extends Error {}

type Addressish = AddressObject | AddressObject[] | undefined;
interface AddressValue { address?: string; name?: string; group?: AddressValue[] }

function flatten(values: AddressValue[]): AddressValue[] {
  return values.flatMap((v) => (v.group ? flatten(v.group) : [v]));
}

/** Only the addr-spec counts: `"ceo@ours.test" <x@evil.test>` is x@evil.test, named "ceo@ours.test". */
function addresses(field: Addressish): EmailAddress[] {
  if (!field) return [];
  const objects = Array.isArray(field) ? field : [field];
  return flatten(objects.flatMap((o) => o.value as AddressValue[]))
    .filter((v) => v.address && isPlainAddress(v.address.trim()))
    .map((v) => ({ address: normalizeAddress(v.address!), ...(v.name ? { name: v.name } : {}) }));
}

/** Parses raw MIME into what the connector sees. Throws UnparseableMailError for non-mail. */
export async function parseMail(raw: Uint8Array): Promise<ParsedEmail> {
  return (await parseMailDetailed(raw)).email;
}

/** parseMail, and mailparser's own result (header fields, parts) for the inspections. */
export async function parseMailDetailed(raw: Uint8Array): Promise<{ email: ParsedEmail; parsed: ParsedMail }> {
  let parsed: ParsedMail;
  try {
    parsed = await simpleParser(Buffer.from(raw), { skipImageLinks: true, skipTextToHtml: true });
  } catch (err) {
    throw new UnparseableMailError(`mailparser could not read the message: ${(err as Error).message}`);
  }
  if (parsed.headers.size === 0) throw new UnparseableMailError('the message has no header fields: not an RFC 5322 message');
  const inReplyTo = parseMessageIdList(parsed.inReplyTo)[0];
  const email: ParsedEmail = {
    messageId: normalizeMessageId(parsed.messageId),
    inReplyTo,
    references: parseMessageIdList(parsed.references),
    subject: parsed.subject ?? '',
    from: addresses(parsed.from)[0],
    to: addresses(parsed.to),
    cc: addresses(parsed.cc),
    date: parsed.date,
    text: parsed.text,
    html: typeof parsed.html === 'string' ? parsed.html : undefined,
    attachments: parsed.attachments.map((a) => ({
      filename: a.filename ?? 'attachment',
      contentType: a.contentType ?? 'application/octet-stream',
      size: a.size ?? a.content.length,
      content: a.content,
    })),
  };
  return { email, parsed };
}
