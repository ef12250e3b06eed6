import { Client } from 'pg';
import { createTestDatabase, TestDatabase } from '@mailrouter/testing';

/** The baselines' own database: one table, one row per message, as a minimal "tracker" would keep. */
export class BaselineDb {
  private db?: TestDatabase;
  client!: Client;

  async open(): Promise<this> {
    this.db = await createTestDatabase('mr_bench_base_');
    this.client = new Client({ connectionString: this.db.url });
    await this.client.connect();
    await this.client.query(`CREATE TABLE message (
      id bigserial PRIMARY KEY, mailbox text NOT NULL, uid int NOT NULL, message_id text, subject text,
      from_address text, size int NOT NULL, body_text text, attachments int NOT NULL,
      created_at timestamptz NOT NULL DEFAULT clock_timestamp())`);
    return this;
  }

  /** One autocommit INSERT; returns the row's creation time (ms since epoch). */
  async insert(row: { mailbox: string; uid: number; messageId?: string; subject?: string; from?: string; size: number; text?: string; attachments: number }): Promise<number> {
    const res = await this.client.query(
      `INSERT INTO message (mailbox, uid, message_id, subject, from_address, size, body_text, attachments)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING created_at`,
      [row.mailbox, row.uid, row.messageId ?? null, row.subject ?? null, row.from ?? null, row.size, row.text ?? null, row.attachments],
    );
    return (res.rows[0].created_at as Date).getTime();
  }

  async close(): Promise<void> {
    await this.client?.end().catch(() => undefined);
    await this.db?.drop().catch(() => undefined);
  }
}
