import { EmailMessage, MimeContent, WellKnownFolderName } from 'ews-javascript-api';
import type { ServerConnection } from '../endpoint';
import { DEFAULT_COMMAND_TIMEOUT_MS } from '../incoming/mailbox-session';
import { composeMime } from '../smtp/compose-mime';
import type { MailSender, OutgoingMessage, SendOutcome } from '../smtp/mail-sender';
import { connectEws, EwsCallError, ewsError, EwsFailureKind } from './ews-client';

/** Refusals that a later attempt cannot fix. */
const PERMANENT_CODES = new Set([
  'ErrorSendAsDenied', 'ErrorAccessDenied', 'ErrorInvalidRecipients', 'ErrorImpersonateUserDenied', 'ErrorNonExistentMailbox',
  'ErrorMessageSizeExceeded', 'ErrorInvalidSmtpAddress', 'ErrorSubmissionQuotaExceeded', 'ErrorMailRecipientNotFound',
]);
const PERMANENT_KINDS = new Set<EwsFailureKind>(['auth', 'tls', 'config', 'autodiscover']);

/** Permanent: refused credentials, rights or recipients, a wrong URL; transient: busy, 5xx, network, timeouts. */
export function classifyEwsFailure(err: EwsCallError): 'permanent' | 'transient' {
  if (PERMANENT_KINDS.has(err.kind)) return 'permanent';
  if (err.ewsCode) return PERMANENT_CODES.has(err.ewsCode) ? 'permanent' : 'transient';
  if (err.httpStatus && err.httpStatus < 500) return 'permanent';
  return 'transient';
}

/**
 * Sends through EWS: CreateItem with the composed MIME and SendAndSaveCopy into Sent Items.
 * send-as (default): From is the user, created in the user's mailbox (own credentials, or the
 * profile account by impersonation/delegation per conn.ews.mailboxAccess). on-behalf: From is the
 * user, Sender is conn.sendingAccount, created in the sending account's own mailbox.
 */
export class EwsMailSender implements MailSender {
  constructor(private readonly conn: ServerConnection, private readonly timeoutMs = DEFAULT_COMMAND_TIMEOUT_MS) {}

  async send(message: OutgoingMessage): Promise<SendOutcome> {
    const onBehalf = this.conn.sendAccess === 'on-behalf';
    const recipients = [...message.to, ...(message.cc ?? []), ...(message.bcc ?? [])].map((a) => a.address);
    try {
      if (onBehalf && !this.conn.sendingAccount) throw new EwsCallError('sending on behalf needs the sending account (sendingAccount)', 'config');
      const mailbox = onBehalf ? this.conn.sendingAccount : (this.conn.mailbox ?? message.from.address);
      const client = await connectEws(this.conn, { timeoutMs: this.timeoutMs, mailbox, ownMailbox: onBehalf });
      const mime = await composeMime(message, onBehalf ? { address: this.conn.sendingAccount! } : undefined);
      const item = new EmailMessage(client.service);
      item.MimeContent = new MimeContent('UTF-8', mime.toString('base64'));
      await client.call(`EWS CreateItem SendAndSaveCopy (${client.describe}, ${client.url})`, this.timeoutMs, () =>
        item.SendAndSaveCopy(client.folder(WellKnownFolderName.SentItems)));
      return { ok: true, accepted: recipients, rejected: [], response: `EWS CreateItem SendAndSaveCopy: NoError (${client.url})`, messageId: message.messageId };
    } catch (err) {
      const failure = err instanceof EwsCallError ? err : ewsError(err, undefined, 'EWS send');
      return { ok: false, class: classifyEwsFailure(failure), ...(failure.httpStatus ? { responseCode: failure.httpStatus } : {}), response: failure.message };
    }
  }

  close(): void {
    // Each send opens its own HTTP exchange; there is no connection to close.
  }
}
