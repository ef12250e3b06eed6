import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import {
  createMailSender, senderKey, MailSenderPool, type OutgoingMessage, type SendOutcome, type ServerConnection,
} from '@mailrouter/mail-adapters';
import { MailboxDirectoryRepository } from '../mailboxes/mailbox-directory.repository';
import { OUTGOING_SETTINGS, type OutgoingSettings } from '../settings';

/**
 * The sending side: one sender per server + account (SMTP: a pooled transport; EWS and Graph:
 * per mailbox sent for), closed when unused for SMTP_POOL_IDLE_MS or when a new configuration
 * no longer uses it.
 */
@Injectable()
export class MailTransportRepository implements OnModuleInit, OnModuleDestroy {
  private readonly log = new Logger(MailTransportRepository.name);
  private readonly pool = new MailSenderPool(createMailSender);
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly directory: MailboxDirectoryRepository,
    @Inject(OUTGOING_SETTINGS) private readonly settings: OutgoingSettings,
  ) {}

  onModuleInit(): void {
    this.directory.onChange((conns) => {
      const closed = this.pool.retainOnly(new Set(conns.map(senderKey)));
      if (closed) this.log.log(`closed ${closed} sender(s) the new configuration no longer uses`);
    });
    const every = Math.max(1_000, Math.floor(this.settings.poolIdleMs / 2));
    this.timer = setInterval(() => this.pool.closeIdle(this.settings.poolIdleMs), every);
    this.timer.unref();
  }

  send(conn: ServerConnection, message: OutgoingMessage): Promise<SendOutcome> {
    return this.pool.send(conn, message);
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
    this.pool.closeAll();
  }
}
