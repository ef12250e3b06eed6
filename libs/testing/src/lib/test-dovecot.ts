import { renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { ImapFlow } from 'imapflow';
import { createTransport } from 'nodemailer';
import { uniqueName } from './wait';

/** The Dovecot the tests share (started by the global setup); each test makes its own users. */
export const TEST_DOVECOT = {
  dir: process.env.TEST_DOVECOT_DIR ?? join(tmpdir(), 'mailrouter-test-dovecot'),
  host: '127.0.0.1',
  imapPort: Number(process.env.TEST_IMAP_PORT ?? 10143),
  pop3Port: Number(process.env.TEST_POP3_PORT ?? 10110),
  lmtpPort: Number(process.env.TEST_LMTP_PORT ?? 10024),
  /** ManageSieve (RFC 5804): dovecot.sh's default, the IMAP port + 47. */
  manageSievePort: Number(process.env.TEST_MANAGESIEVE_PORT ?? Number(process.env.TEST_IMAP_PORT ?? 10143) + 47),
};

export function startTestDovecot(): void {
  const script = join(__dirname, '..', '..', '..', '..', 'tools', 'dovecot', 'dovecot.sh');
  execFileSync('bash', [script, 'start', TEST_DOVECOT.dir, String(TEST_DOVECOT.imapPort), String(TEST_DOVECOT.pop3Port), String(TEST_DOVECOT.lmtpPort), String(TEST_DOVECOT.manageSievePort)], { stdio: 'inherit' });
}

export interface MailUser {
  username: string;
  password: string;
  /** username@example.test — Dovecot ignores the domain (username_format=%n). */
  address: string;
}

/** A fresh mail account on the test Dovecot, usable at once (one passwd-file per user). */
export function createMailUser(prefix = 'u'): MailUser {
  const username = uniqueName(prefix).toLowerCase();
  const password = uniqueName('pw');
  const file = join(TEST_DOVECOT.dir, 'users.d', username);
  writeFileSync(`${file}.tmp`, `${username}:{PLAIN}${password}:65534:65534::${join(TEST_DOVECOT.dir, 'mail', username)}::\n`);
  renameSync(`${file}.tmp`, file);
  return { username, password, address: `${username}@example.test` };
}

/**
 * Delivers a raw message over real LMTP (RFC 2033), as an MTA would: the recipients' Sieve
 * scripts run (IMAP APPEND bypasses them). `to` are addresses (the domain is ignored).
 * Rejects with the server's words when a recipient is refused.
 */
export async function deliverViaLmtp(to: string | string[], raw: string | Buffer, from = 'sender@example.test'): Promise<void> {
  const lmtp = createTransport({ lmtp: true, host: TEST_DOVECOT.host, port: TEST_DOVECOT.lmtpPort, secure: false, ignoreTLS: true });
  try {
    const info = await lmtp.sendMail({ envelope: { from, to: Array.isArray(to) ? to : [to] }, raw });
    if (info.rejected.length) throw new Error(`LMTP refused ${info.rejected.join(', ')}: ${info.response}`);
  } finally {
    lmtp.close();
  }
}

export function imapClient(user: MailUser): ImapFlow {
  return new ImapFlow({
    host: TEST_DOVECOT.host, port: TEST_DOVECOT.imapPort, secure: false,
    auth: { user: user.username, pass: user.password }, logger: false,
  });
}

/** Appends a raw message to the user's INBOX; returns its UID. */
export async function appendToInbox(user: MailUser, raw: string | Buffer, flags: string[] = []): Promise<number> {
  const client = imapClient(user);
  await client.connect();
  try {
    const res = await client.append('INBOX', raw, flags);
    return Number((res as { uid?: number }).uid ?? 0);
  } finally {
    await client.logout();
  }
}

export interface InboxMessage {
  uid: number;
  flags: Set<string>;
  messageId?: string;
}

export async function listInbox(user: MailUser): Promise<InboxMessage[]> {
  const client = imapClient(user);
  await client.connect();
  const lock = await client.getMailboxLock('INBOX');
  try {
    const out: InboxMessage[] = [];
    if ((client.mailbox as { exists: number }).exists === 0) return out;
    for await (const m of client.fetch('1:*', { uid: true, flags: true, envelope: true })) {
      out.push({ uid: m.uid, flags: m.flags ?? new Set(), messageId: m.envelope?.messageId });
    }
    return out;
  } finally {
    lock.release();
    await client.logout();
  }
}

/** The raw source of every message in the user's INBOX, in UID order. */
export async function fetchInboxRaw(user: MailUser): Promise<Buffer[]> {
  const client = imapClient(user);
  await client.connect();
  const lock = await client.getMailboxLock('INBOX');
  try {
    const out: Buffer[] = [];
    if ((client.mailbox as { exists: number }).exists === 0) return out;
    for await (const m of client.fetch('1:*', { uid: true, source: true })) {
      if (m.source) out.push(m.source);
    }
    return out;
  } finally {
    lock.release();
    await client.logout();
  }
}
