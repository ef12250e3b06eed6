import { simpleParser } from 'mailparser';
import { imapClient, MailUser } from '@mailrouter/testing';
import { BaselineDb } from './baseline-db';

/**
 * The latency baseline: a loop that polls the mailbox every `pollSeconds` as the router does
 * (connect, log in, fetch UIDs above the last one, parse, insert, log out) and returns each
 * message's row creation time, by Message-ID.
 */
export class PollingBaseline {
  private stopped = false;
  private lastUid = 0;
  readonly createdAt = new Map<string, number>();
  private loop?: Promise<void>;

  constructor(private readonly user: MailUser, private readonly db: BaselineDb, private readonly pollSeconds: number) {}

  start(): void {
    this.loop = (async () => {
      while (!this.stopped) {
        const started = Date.now();
        await this.pollOnce();
        const wait = this.pollSeconds * 1000 - (Date.now() - started);
        if (wait > 0 && !this.stopped) await new Promise((r) => setTimeout(r, wait));
      }
    })();
  }

  private async pollOnce(): Promise<void> {
    const client = imapClient(this.user);
    await client.connect();
    const lock = await client.getMailboxLock('INBOX');
    try {
      const fetched: { uid: number; source: Buffer }[] = [];
      if ((client.mailbox as { exists: number }).exists > 0) {
        for await (const m of client.fetch(`${this.lastUid + 1}:*`, { uid: true, source: true }, { uid: true })) {
          if (m.uid > this.lastUid) fetched.push({ uid: m.uid, source: m.source! });
        }
      }
      for (const m of fetched) {
        const parsed = await simpleParser(m.source);
        const at = await this.db.insert({
          mailbox: this.user.username, uid: m.uid, messageId: parsed.messageId, subject: parsed.subject,
          from: parsed.from?.value[0]?.address, size: m.source.length, text: parsed.text, attachments: parsed.attachments.length,
        });
        if (parsed.messageId) this.createdAt.set(parsed.messageId, at);
        this.lastUid = Math.max(this.lastUid, m.uid);
      }
    } finally {
      lock.release();
      await client.logout();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }
}
