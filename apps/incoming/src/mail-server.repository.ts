import { Inject, Injectable } from '@nestjs/common';
import type { MailEndpointV1 } from '@mailrouter/contracts';
import {
  AccessCheck, IdleWatch, MailboxSession, openEndpoint, openMailboxSession, serverMessage, testIncomingAccess, watchImapInbox,
} from '@mailrouter/mail-adapters';
import { INCOMING_SETTINGS, IncomingSettings } from './settings';

/** The network side: sessions on the mailboxes' servers (passwords opened only here). */
@Injectable()
export class MailServerRepository {
  constructor(@Inject(INCOMING_SETTINGS) private readonly settings: IncomingSettings) {}

  private get options() {
    return {
      connectTimeoutMs: this.settings.connectTimeoutMs,
      commandTimeoutMs: this.settings.commandTimeoutMs,
      maxMessageBytes: this.settings.maxMessageBytes,
    };
  }

  open(endpoint: MailEndpointV1): Promise<MailboxSession> {
    return openMailboxSession(openEndpoint(endpoint, this.settings.secretKey), this.options);
  }

  /** A held IDLE connection on the mailbox's INBOX; `onNewMail` runs when the server announces mail. */
  watch(endpoint: MailEndpointV1, onNewMail: () => void): Promise<IdleWatch> {
    return watchImapInbox(openEndpoint(endpoint, this.settings.secretKey), { ...this.options, restartMs: this.settings.idle.restartMs }, onNewMail);
  }

  async testAccess(endpoint: MailEndpointV1): Promise<AccessCheck> {
    let conn;
    try {
      conn = openEndpoint(endpoint, this.settings.secretKey);
    } catch (err) {
      return { status: 'failure', message: `cannot open the stored password (was it sealed with another ROUTER_SECRET_KEY?): ${serverMessage(err)}` };
    }
    if (conn.protocol !== 'imap' && conn.protocol !== 'pop3') {
      return { status: 'failure', message: `${conn.protocol} is not an incoming protocol (imap or pop3)` };
    }
    return testIncomingAccess(conn, this.options);
  }
}
