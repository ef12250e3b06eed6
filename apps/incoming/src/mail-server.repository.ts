import { Inject, Injectable } from '@nestjs/common';
import type { MailEndpointV1 } from '@mailrouter/contracts';
import {
  AccessCheck, applyForwardRule, ForwardRuleOutcome, ForwardRuleVia, IdleWatch, MailboxSession, openEndpoint, openMailboxSession, serverMessage,
  testIncomingAccess, watchImapInbox,
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
    return testIncomingAccess(conn, this.options);
  }

  /** A user mailbox's forward rule deployed or removed on its server (EWS, Graph, or Sieve for IMAP/POP3). */
  applyForwardRule(endpoint: MailEndpointV1, action: 'deploy' | 'remove', forwardAddress: string): Promise<{ via: ForwardRuleVia; outcome: ForwardRuleOutcome }> {
    return applyForwardRule(openEndpoint(endpoint, this.settings.secretKey), action, forwardAddress, this.settings.secretKey);
  }
}
