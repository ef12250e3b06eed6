/**
 * Just enough RFC 5322 for the EWS EMULATOR: header values, the addresses in From/Sender/To/Cc/Bcc,
 * and the wrapper message an inbox rule's "forward as attachment" builds.
 */
import { randomBytes } from 'node:crypto';
import type { EmulatorUser } from './store';

function headerBlock(mime: Buffer): string {
  const text = mime.toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  return (end < 0 ? text : text.slice(0, end)).replace(/\r?\n[ \t]+/g, ' ');
}

/** The first value of a header (unfolded), or undefined. */
export function headerValue(mime: Buffer, name: string): string | undefined {
  const re = new RegExp(`^${name}:[ \\t]*(.*)$`, 'im');
  return re.exec(headerBlock(mime))?.[1].trim();
}

/** Addresses in one header, lower-cased (display names and groups dropped). */
export function headerAddresses(mime: Buffer, name: string): string[] {
  const re = new RegExp(`^${name}:[ \\t]*(.*)$`, 'gim');
  const out: string[] = [];
  for (const m of headerBlock(mime).matchAll(re)) {
    const value = m[1].replace(/"(?:[^"\\]|\\.)*"/g, '');
    for (const a of value.matchAll(/<([^<>\s]+@[^<>\s]+)>|([^\s,<>;:]+@[^\s,<>;]+)/g)) out.push((a[1] ?? a[2]).toLowerCase());
  }
  return out;
}

export function recipientsOf(mime: Buffer): string[] {
  return [...new Set(['to', 'cc', 'bcc'].flatMap((h) => headerAddresses(mime, h)))];
}

/**
 * What Exchange's ForwardAsAttachmentToRecipients action sends: a new message From the mailbox's
 * owner to the targets, the original attached whole as message/rfc822.
 */
export function forwardAsAttachment(original: Buffer, owner: EmulatorUser, to: string[]): Buffer {
  const boundary = `_ews_emu_${randomBytes(8).toString('hex')}`;
  const subject = headerValue(original, 'subject') ?? '';
  const head = [
    `From: ${owner.displayName ? `"${owner.displayName}" ` : ''}<${owner.address}>`,
    `To: ${to.map((a) => `<${a}>`).join(', ')}`,
    `Subject: FW: ${subject}`,
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: <${randomBytes(12).toString('hex')}@ews-emulator.invalid>`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    'X-MailRouter-Emulator: MailRouter EWS EMULATOR inbox rule',
  ].join('\r\n');
  const body = Buffer.concat([
    Buffer.from(`${head}\r\n\r\n--${boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\r\n--${boundary}\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment\r\n\r\n`, 'latin1'),
    original,
    Buffer.from(`\r\n--${boundary}--\r\n`, 'latin1'),
  ]);
  return body;
}
