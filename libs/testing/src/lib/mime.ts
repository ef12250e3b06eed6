import MailComposer from 'nodemailer/lib/mail-composer';

export interface TestMail {
  from: string;
  to: string | string[];
  cc?: string | string[];
  subject: string;
  text?: string;
  html?: string;
  messageId?: string;
  inReplyTo?: string;
  references?: string | string[];
  date?: Date;
  headers?: Record<string, string>;
  attachments?: { filename: string; content: string | Buffer; contentType?: string }[];
}

/** Builds a real RFC 5322 message (nodemailer's composer), as a mail server would store it. */
export async function buildMime(mail: TestMail): Promise<Buffer> {
  const composer = new MailComposer({ ...mail, date: mail.date ?? new Date() });
  return composer.compile().build();
}
