import type { SendCommandV1 } from '@mailrouter/contracts';
import { applyTrackingToken, deterministicMessageId } from '@mailrouter/domain';
import type { OutgoingMessage } from '@mailrouter/mail-adapters';
import { PermanentError } from '@mailrouter/platform';

/** Header carrying the CRM email's id, so a sent message can be traced back to its activity. */
export const EMAIL_ID_HEADER = 'X-MailRouter-Email-Id';

// Dot-atoms (RFC 5322 §3.2.3 atext, widened to Unicode letters/marks/digits as RFC 6531 allows) @ LDH labels.
const ADDR_SPEC =
  /^[\p{L}\p{M}\p{N}!#$%&'*+/=?^_`{|}~-]+(?:\.[\p{L}\p{M}\p{N}!#$%&'*+/=?^_`{|}~-]+)*@[\p{L}\p{M}\p{N}](?:[\p{L}\p{M}\p{N}-]*[\p{L}\p{M}\p{N}])?(?:\.[\p{L}\p{M}\p{N}](?:[\p{L}\p{M}\p{N}-]*[\p{L}\p{M}\p{N}])?)*$/u;

/**
 * Why `address` cannot be sent to as-is, or null. Only a plain `local@domain` passes: nodemailer
 * re-parses anything else (quotes, comments, `<…>`, lists, CR/LF) into an address at whatever
 * domain follows the last `@`, so `"a@x.test, evil"@y.test` would go to y.test.
 */
export function addressProblem(address: string): string | null {
  if (!ADDR_SPEC.test(address)) {
    return 'is not a plain address (local@domain without quotes, comments, spaces, line breaks or lists)';
  }
  const local = address.slice(0, address.lastIndexOf('@'));
  if (Buffer.byteLength(local) > 64) return 'has a local part longer than 64 octets (RFC 5321 §4.5.3.1.1)';
  if (Buffer.byteLength(address) > 254) return 'is longer than 254 octets (RFC 5321 §4.5.3.1.3)';
  return null;
}

/** Every address of the command that cannot be sent to, as `to[0] "x" is not …`; empty when all are fine. */
export function addressProblems(cmd: Pick<SendCommandV1, 'from' | 'to' | 'cc' | 'bcc'>): string[] {
  const fields = { from: [cmd.from], to: cmd.to, cc: cmd.cc ?? [], bcc: cmd.bcc ?? [] };
  return Object.entries(fields).flatMap(([field, list]) => list.flatMap((a, i) => {
    const problem = addressProblem(a.address);
    return problem ? [`${field === 'from' ? 'from' : `${field}[${i}]`} ${JSON.stringify(a.address)} ${problem}`] : [];
  }));
}

/** The Message-ID every attempt of this email carries: a function of the email alone. */
export function messageIdOf(cmd: Pick<SendCommandV1, 'emailId' | 'from'>): string {
  return deterministicMessageId(cmd.emailId, cmd.from.address);
}

/**
 * The message as it goes out: the tracking token in the subject, threading, Message-ID, trace
 * header. Throws PermanentError naming every address that is not a plain address: such mail
 * must fail with that reason rather than reach a mailbox nobody meant.
 */
export function composeMessage(cmd: SendCommandV1): OutgoingMessage {
  const problems = addressProblems(cmd);
  if (problems.length) throw new PermanentError(`not sent: ${problems.join('; ')}`);
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
