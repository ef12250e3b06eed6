import MailComposer from 'nodemailer/lib/mail-composer';
import type Mail from 'nodemailer/lib/mailer';
import type { MailAddress, OutgoingMessage } from './mail-sender';

function addresses(list: MailAddress[] | undefined): { name: string; address: string }[] {
  return (list ?? []).map((a) => ({ name: a.name ?? '', address: a.address }));
}

/**
 * nodemailer's options for a message: names and subjects are encoded and header values folded by
 * nodemailer, so CR/LF in a value never starts another header. `sender` (on behalf of) becomes
 * the Sender header.
 */
export function mailOptionsOf(message: OutgoingMessage, sender?: MailAddress): Mail.Options {
  return {
    from: { name: message.from.name ?? '', address: message.from.address },
    ...(sender ? { sender: { name: sender.name ?? '', address: sender.address } } : {}),
    to: addresses(message.to),
    cc: addresses(message.cc),
    bcc: addresses(message.bcc),
    subject: message.subject,
    text: message.text,
    html: message.html,
    messageId: message.messageId,
    inReplyTo: message.inReplyTo,
    references: message.references?.length ? message.references : undefined,
    headers: message.headers,
  };
}

/**
 * The message as RFC 5322 bytes, for servers that take MIME (EWS CreateItem MimeContent, Graph
 * sendMail): the Bcc header is kept, since those servers take the recipients from the MIME.
 */
export async function composeMime(message: OutgoingMessage, sender?: MailAddress): Promise<Buffer> {
  const mail = new MailComposer(mailOptionsOf(message, sender)).compile();
  (mail as unknown as { keepBcc: boolean }).keepBcc = true;
  return mail.build();
}
