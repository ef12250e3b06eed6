import { createHash } from 'node:crypto';

/**
 * The Message-ID of a CRM email is a function of the email alone, so a second send of the
 * same email (the window after the server's 250 and before the result is recorded) carries
 * the same Message-ID and can be recognised as a duplicate by anyone who sees both.
 */
export function deterministicMessageId(emailId: string, fromAddress: string): string {
  const at = fromAddress.lastIndexOf('@');
  const domain = at >= 0 ? fromAddress.slice(at + 1).toLowerCase() : 'mailrouter.invalid';
  const digest = createHash('sha256').update(`mailrouter:${emailId}`).digest('hex').slice(0, 16);
  return `<mr.${emailId}.${digest}@${domain}>`;
}

/** `<a@b>` and `a@b` compare equal; case of the domain is ignored. */
export function normalizeMessageId(id: string | undefined | null): string | undefined {
  if (!id) return undefined;
  const trimmed = id.trim().replace(/^<|>$/g, '');
  if (!trimmed) return undefined;
  const at = trimmed.lastIndexOf('@');
  return at < 0 ? `<${trimmed}>` : `<${trimmed.slice(0, at)}@${trimmed.slice(at + 1).toLowerCase()}>`;
}

/** Splits a References / In-Reply-To header value into normalised Message-IDs. */
export function parseMessageIdList(value: string | string[] | undefined): string[] {
  if (!value) return [];
  const text = Array.isArray(value) ? value.join(' ') : value;
  const ids = text.match(/<[^<>\s]+>/g) ?? [];
  return ids.map((id) => normalizeMessageId(id)).filter((id): id is string => Boolean(id));
}
