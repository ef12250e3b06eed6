/**
 * Sends through Microsoft Graph: the message composed as MIME, base64, `POST /users/{id}/sendMail`
 * with Content-Type text/plain (https://learn.microsoft.com/graph/outlook-send-mime-message).
 * Graph saves it to the posting mailbox's Sent Items. Send as: posted to the user's own mailbox,
 * From = user. On behalf: posted to the sending account's mailbox, From = user, Sender = that account.
 */
import type { ServerConnection } from '../endpoint';
import { composeMime } from '../smtp/compose-mime';
import type { MailAddress, MailSender, OutgoingMessage, SendOutcome } from '../smtp/mail-sender';
import { GraphClient, GraphError, type GraphOptions } from './graph-client';
import { GraphTokenError } from './graph-token';

export class GraphMailSender implements MailSender {
  private readonly client?: GraphClient;
  /** A settings problem (no Graph settings, no mailbox): every send fails with it, permanently. */
  private readonly invalid?: string;

  constructor(private readonly conn: ServerConnection, opts: GraphOptions = {}) {
    try {
      this.client = new GraphClient(conn, conn.mailbox ?? conn.sendingAccount, opts);
    } catch (err) {
      this.invalid = (err as Error).message;
    }
  }

  async send(message: OutgoingMessage): Promise<SendOutcome> {
    if (!this.client) return { ok: false, class: 'permanent', response: this.invalid ?? 'the Graph sender is not configured' };
    try {
      const onBehalf = this.conn.sendAccess === 'on-behalf';
      if (onBehalf && !this.conn.sendingAccount) {
        return { ok: false, class: 'permanent', response: 'sending on behalf needs the sending account (the Sender) in the profile' };
      }
      const sender: MailAddress | undefined = onBehalf ? { address: this.conn.sendingAccount! } : undefined;
      // Send as: the message is From the user (the mailbox posted to); the composer is told who.
      const mime = await composeMime(message, sender);
      const postTo = onBehalf ? this.conn.sendingAccount! : message.from.address;
      await this.client.json({ method: 'POST', path: `${this.client.userPath(postTo)}/sendMail`, text: mime.toString('base64'), contentType: 'text/plain' }, postTo);
      const recipients = [...message.to, ...(message.cc ?? []), ...(message.bcc ?? [])].map((a) => a.address);
      return {
        ok: true, accepted: recipients, rejected: [], messageId: message.messageId,
        response: `202 Accepted: submitted through Microsoft Graph by ${postTo}${onBehalf ? ` on behalf of ${message.from.address}` : ''}`,
      };
    } catch (err) {
      return classify(err);
    }
  }

  close(): void {
    /* Nothing held: tokens and the per-mailbox limit are process-wide. */
  }
}

function classify(err: unknown): SendOutcome {
  if (err instanceof GraphTokenError) {
    return { ok: false, class: err.failure === 'network' ? 'transient' : 'permanent', response: err.message };
  }
  if (err instanceof GraphError) {
    // transient: 429 still throttled after the retries, 5xx, network. Permanent: 400 (invalid
    // recipients, bad MIME), 401/403 (ErrorSendAsDenied, ErrorAccessDenied), 404 (ErrorInvalidUser).
    return { ok: false, class: err.transient ? 'transient' : 'permanent', ...(err.status ? { responseCode: err.status } : {}), response: err.message };
  }
  return { ok: false, class: 'transient', response: (err as Error)?.message ?? String(err) };
}
