import type { ParsedMail } from 'mailparser';
import { classifyAutomaticMail, deterministicMessageId, normalizeMessageId, parseMessageIdList } from '@mailrouter/domain';
import { firstFields, headerBlock } from './header-fields';

/** The header our outgoing service puts on every email it sends (apps/outgoing compose-message.ts). */
export const EMAIL_ID_HEADER = 'x-mailrouter-email-id';

export interface BounceReport {
  /** Message-ID of the message that bounced, normalised (`<local@domain>`). */
  originalMessageId?: string;
  /** The CRM email id of the message that bounced (X-MailRouter-Email-Id, or derived from our Message-ID). */
  emailId?: string;
  /** The DSN's enhanced status code, e.g. `5.1.1` (4.x.x: delayed, still being retried). */
  status?: string;
  /** The DSN Action of the reported recipient: failed, delayed, delivered, relayed, expanded. */
  action?: string;
  /** The recipient the report is about (Final-Recipient, address only). */
  recipient?: string;
  /** The remote server's answer (Diagnostic-Code without its `smtp;` type), else the report's own words. */
  diagnostic: string;
}

/** Part types that carry the DSN fields (RFC 3464, RFC 6533). */
const DSN_TYPES = new Set(['message/delivery-status', 'message/global-delivery-status']);
/** Part types that carry the returned message or its header (RFC 3462, RFC 6533). */
const RETURNED_TYPES = new Set(['message/rfc822', 'text/rfc822-headers', 'message/global', 'message/global-headers']);
/** How much of a part or of the text is read: a DSN is small, the returned message's header comes first. */
const MAX_SCAN = 64 * 1024;
const MAX_DIAGNOSTIC = 1000;
/** Where a text-only (qmail-style) bounce starts its copy of the message. */
const RETURNED_COPY_MARKER = /^-{2,}\s*(?:Below this line is a copy of the message|Original message|Undelivered message)[^\n]*$/im;
const EMAIL_ID_PATTERN = /^[\w.:@-]{1,200}$/;

type Fields = Map<string, string>;

/**
 * Reads a bounce (delivery status notification): the DSN fields (Status, Action,
 * Diagnostic-Code, Final-Recipient) and the returned original (its Message-ID and our
 * X-MailRouter-Email-Id). Works with mailparser's default (the DSN merged into `text`) and
 * with `keepDeliveryStatus` (the DSN as an attachment). Returns undefined for anything that is
 * not a delivery notification.
 */
export function parseBounce(parsed: ParsedMail): BounceReport | undefined {
  const hasDsnPart = parsed.attachments.some((a) => DSN_TYPES.has(a.contentType?.toLowerCase()));
  const contentType = parsed.headers.get('content-type') as { value?: string } | string | undefined;
  const type = typeof contentType === 'string' ? contentType : (contentType?.value ?? '');
  if (!hasDsnPart && classifyAutomaticMail(parsed.headers, type).kind !== 'bounce') return undefined;

  const { perMessage, recipient } = dsnFields(parsed);
  const returned = returnedHeaders(parsed);
  const originalMessageId =
    normalizeMessageId(firstMessageId(returned?.get('message-id'))) ??
    normalizeMessageId(firstMessageId(perMessage.get('x-original-message-id'))) ??
    normalizeMessageId(firstMessageId(typeof parsed.inReplyTo === 'string' ? parsed.inReplyTo : undefined));
  const emailId = cleanEmailId(returned?.get(EMAIL_ID_HEADER)) ?? emailIdFromMessageId(originalMessageId);
  const diagnostic = diagnosticOf(recipient, parsed);
  const status = enhancedStatus(recipient?.get('status')) ?? enhancedStatus(diagnostic);
  const action = recipient?.get('action')?.trim().toLowerCase() || undefined;
  const finalRecipient = recipient?.get('final-recipient')?.replace(/^[^;]*;/, '').trim() || undefined;
  if (!recipient && !returned && !originalMessageId) return undefined;
  return {
    ...(originalMessageId ? { originalMessageId } : {}),
    ...(emailId ? { emailId } : {}),
    ...(status ? { status } : {}),
    ...(action ? { action } : {}),
    ...(finalRecipient ? { recipient: finalRecipient } : {}),
    diagnostic,
  };
}

/** The per-message fields and the recipient the report is about (the first that failed, else the first). */
function dsnFields(parsed: ParsedMail): { perMessage: Fields; recipient?: Fields } {
  const part = parsed.attachments.find((a) => DSN_TYPES.has(a.contentType?.toLowerCase()));
  let source = part ? part.content.subarray(0, MAX_SCAN).toString('utf8') : undefined;
  if (!source) {
    // mailparser's default folds message/delivery-status into the text: it starts at the per-message fields.
    const text = (parsed.text ?? '').slice(0, MAX_SCAN);
    const start = text.search(/^(?:Reporting-MTA|Original-Envelope-Id|Final-Recipient|Original-Recipient):/im);
    source = start >= 0 ? text.slice(start) : '';
  }
  const groups = source.replace(/\r\n/g, '\n').split(/\n[ \t]*\n/).map((block) => firstFields(block)).filter((g) => g.size > 0);
  const isRecipient = (g: Fields) => g.has('final-recipient') || g.has('original-recipient') || g.has('action');
  const recipients = groups.filter(isRecipient);
  const perMessage = groups.find((g) => !isRecipient(g)) ?? new Map<string, string>();
  const recipient = recipients.find((g) => g.get('action')?.trim().toLowerCase() === 'failed') ?? recipients[0];
  return { perMessage, recipient };
}

/** The header of the returned original: from a message/rfc822 or text/rfc822-headers part, else after a qmail-style marker. */
function returnedHeaders(parsed: ParsedMail): Fields | undefined {
  const part = parsed.attachments.find((a) => RETURNED_TYPES.has(a.contentType?.toLowerCase()));
  if (part) return firstFields(headerBlock(part.content.subarray(0, MAX_SCAN).toString('utf8')));
  const text = (parsed.text ?? '').slice(0, MAX_SCAN);
  const marker = RETURNED_COPY_MARKER.exec(text);
  if (!marker) return undefined;
  const fields = firstFields(headerBlock(text.slice(marker.index + marker[0].length).replace(/^\s*\n/, '')));
  return fields.size > 0 ? fields : undefined;
}

function firstMessageId(value: string | undefined): string | undefined {
  if (!value) return undefined;
  return parseMessageIdList(value)[0] ?? (/^[^\s<>]+@[^\s<>]+$/.test(value.trim()) ? value.trim() : undefined);
}

function cleanEmailId(value: string | undefined): string | undefined {
  const id = value?.trim();
  return id && EMAIL_ID_PATTERN.test(id) ? id : undefined;
}

/** Our Message-IDs are `<mr.{emailId}.{digest}@domain>` (deterministicMessageId): the digest proves the id. */
function emailIdFromMessageId(messageId: string | undefined): string | undefined {
  const match = messageId?.match(/^<mr\.(.+)\.([0-9a-f]{16})@([^>]+)>$/);
  if (!match) return undefined;
  const [, emailId, , domain] = match;
  return deterministicMessageId(emailId, `x@${domain}`) === messageId ? cleanEmailId(emailId) : undefined;
}

function enhancedStatus(text: string | undefined): string | undefined {
  return text?.match(/(?<![\d.])[245]\.\d{1,3}\.\d{1,3}(?![\d.])/)?.[0];
}

function diagnosticOf(recipient: Fields | undefined, parsed: ParsedMail): string {
  const code = recipient?.get('diagnostic-code');
  if (code) return clip(code.replace(/^[^;]*;\s*/, ''));
  const text = (parsed.text ?? '').slice(0, MAX_SCAN);
  const head = text.split(/^(?:Reporting-MTA|Final-Recipient):/im)[0].split(RETURNED_COPY_MARKER)[0];
  const words = clip(head);
  return words || 'delivery failed (no diagnostic given)';
}

function clip(value: string): string {
  const flat = value.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_DIAGNOSTIC ? `${flat.slice(0, MAX_DIAGNOSTIC - 3)}...` : flat;
}
