import { simpleParser } from 'mailparser';
import { imapClient, MailUser } from '@mailrouter/testing';
import { ownCpuMs } from '../support/proc';
import { BaselineDb } from './baseline-db';

export interface BaselineRun {
  messages: number;
  seconds: number;
  cpuMs: number;
}

/**
 * The incoming baseline: one process, one mailbox after the other, fetches every message over
 * IMAP (imapflow; BODY.PEEK, so the messages stay unseen for the router), parses it
 * (mailparser) and inserts one row into PostgreSQL.
 */
export async function fetchParseInsert(users: MailUser[], db: BaselineDb): Promise<BaselineRun> {
  const t0 = performance.now();
  const cpu0 = ownCpuMs();
  let messages = 0;
  for (const user of users) {
    const client = imapClient(user);
    await client.connect();
    const lock = await client.getMailboxLock('INBOX');
    try {
      const fetched: { uid: number; source: Buffer }[] = [];
      // Collect first: imapflow must not be sent other commands from inside a fetch loop (DB calls are fine, but keep it plain).
      for await (const m of client.fetch('1:*', { uid: true, source: true })) fetched.push({ uid: m.uid, source: m.source! });
      for (const m of fetched) {
        const parsed = await simpleParser(m.source);
        await db.insert({
          mailbox: user.username, uid: m.uid, messageId: parsed.messageId, subject: parsed.subject,
          from: parsed.from?.value[0]?.address, size: m.source.length, text: parsed.text, attachments: parsed.attachments.length,
        });
        messages++;
      }
    } finally {
      lock.release();
      await client.logout();
    }
  }
  return { messages, seconds: (performance.now() - t0) / 1000, cpuMs: ownCpuMs() - cpu0 };
}
