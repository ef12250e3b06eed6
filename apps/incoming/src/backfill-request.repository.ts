import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { ImapFlow } from 'imapflow';
import { Repository } from 'typeorm';
import type { MailEndpointV1 } from '@mailrouter/contracts';
import { openEndpoint, withTimeout } from '@mailrouter/mail-adapters';
import { BackfillRequestEntity } from './entities/quarantine-backfill.entity';
import { qualifiedTable } from './mailbox-state.repository';
import { INCOMING_SETTINGS, IncomingSettings } from './settings';

/** Backfill requests (one pending per mailbox) and the IMAP search that lists what they take. */
@Injectable()
export class BackfillRequestRepository {
  constructor(
    @InjectRepository(BackfillRequestEntity) private readonly repo: Repository<BackfillRequestEntity>,
    @Inject(INCOMING_SETTINGS) private readonly settings: IncomingSettings,
  ) {}

  /**
   * The mailbox's pending request, created or widened to the earlier `since` (two requests before
   * one poll are one backfill). One statement per step, serialised on the mailbox.
   */
  async request(mailboxId: string, since: Date): Promise<BackfillRequestEntity> {
    return this.repo.manager.transaction(async (m) => {
      await m.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`backfill|${mailboxId}`]);
      const repo = m.getRepository(BackfillRequestEntity);
      const pending = await repo.findOne({ where: { mailboxId, state: 'pending' } });
      if (!pending) return repo.save(repo.create({ mailboxId, since, state: 'pending', fresh: 0 }));
      if (since < pending.since) await repo.update({ id: pending.id }, { since });
      return (await repo.findOneBy({ id: pending.id }))!;
    });
  }

  pending(mailboxId: string): Promise<BackfillRequestEntity | null> {
    return this.repo.findOne({ where: { mailboxId, state: 'pending' }, order: { requestedAt: 'ASC' } });
  }

  find(id: string): Promise<BackfillRequestEntity | null> {
    return this.repo.findOneBy({ id });
  }

  /** Progress of one poll: `found` on the server, `fresh` more published; done when nothing is left. */
  async progress(id: string, found: number, fresh: number, done: boolean): Promise<void> {
    await this.repo.query(
      `UPDATE ${qualifiedTable(this.repo)} SET found = $2, fresh = fresh + $3, state = CASE WHEN $4 THEN 'done' ELSE state END,
              done_at = CASE WHEN $4 THEN now() ELSE done_at END, error = NULL
        WHERE id = $1 AND state = 'pending'`,
      [id, found, fresh, done],
    );
  }

  /** A permanent failure (the request cannot be served): stops retrying it. */
  async fail(id: string, error: string): Promise<void> {
    await this.repo.update({ id, state: 'pending' }, { state: 'failed', error, doneAt: new Date() });
  }

  /**
   * IMAP `UID SEARCH SINCE <date>` on INBOX (seen messages too): the UIDs and the UIDVALIDITY
   * they belong to. SINCE compares the internal date by day (RFC 3501 §6.4.4), so the whole
   * day of `since` is included. Its own connection: MailboxSession's list filters have no date.
   */
  async imapUidsSince(endpoint: MailEndpointV1, since: Date): Promise<{ uidValidity: number; uids: number[] }> {
    const conn = openEndpoint(endpoint, this.settings.secretKey);
    const client = new ImapFlow({
      host: conn.host, port: conn.port, secure: conn.security === 'tls', doSTARTTLS: conn.security === 'starttls',
      tls: { rejectUnauthorized: !conn.allowInvalidCertificates },
      auth: conn.auth.type === 'basic' ? { user: conn.auth.username ?? '', pass: conn.auth.password ?? '' } : undefined,
      logger: false, connectionTimeout: this.settings.connectTimeoutMs, greetingTimeout: this.settings.connectTimeoutMs,
      socketTimeout: this.settings.commandTimeoutMs, disableAutoIdle: true,
    });
    client.on('error', () => undefined);
    const drop = () => client.close();
    try {
      await withTimeout('IMAP connect', this.settings.connectTimeoutMs, client.connect(), drop);
      const box = await withTimeout('IMAP EXAMINE INBOX', this.settings.commandTimeoutMs, client.mailboxOpen('INBOX', { readOnly: true }), drop);
      const uids = (await withTimeout('IMAP UID SEARCH SINCE', this.settings.commandTimeoutMs, client.search({ since }, { uid: true }), drop)) || [];
      await client.logout();
      return { uidValidity: Number(box.uidValidity), uids: uids.sort((a, b) => a - b) };
    } catch (err) {
      client.close();
      throw err;
    }
  }
}
