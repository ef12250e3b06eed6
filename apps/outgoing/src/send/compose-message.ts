import type { SendCommandV1 } from '@mailrouter/contracts';
import { applyTrackingToken, deterministicMessageId } from '@mailrouter/domain';
import type { OutgoingMessage } from '@mailrouter/mail-adapters';

/** Header carrying the CRM email's id, so a sent message can be traced back to its activity. */
export const EMAIL_ID_HEADER = 'X-MailRouter-Email-Id';

/** The Message-ID every attempt of this email carries: a function of the email alone. */
export function messageIdOf(cmd: Pick<SendCommandV1, 'emailId' | 'from'>): string {
  return deterministicMessageId(cmd.emailId, cmd.from.address);
}

/** The message as it goes out: the tracking token in the subject, threading, Message-ID, trace header. */
export function composeMessage(cmd: SendCommandV1): OutgoingMessage {
  return {
    from: cmd.from,
    to: cmd.to,
    cc: cmd.cc,
    bcc: cmd.bcc,
    subject: cmd.trackingToken ? applyTrackingToken(cmd.subject, cmd.trackingToken) : cmd.subject,
    text: cmd.text,
    html: cmd.html,
    messageId: messageIdOf(cmd),
    inReplyTo: cmd.inReplyTo,
    references: cmd.references,
    headers: { [EMAIL_ID_HEADER]: cmd.emailId },
  };
}
