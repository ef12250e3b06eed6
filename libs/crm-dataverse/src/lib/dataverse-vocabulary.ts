import type { ReasonCode } from '@mailrouter/domain';

/**
 * Option set values of the Dataverse columns the connector reads and writes (mailbox and email
 * tables, activity party), and the CheckIncomingEmail reason codes.
 */
export const DELIVERY_METHOD = { none: 0, outlook: 1, serverSideSyncOrRouter: 2, forwardMailbox: 3 } as const;
export const ROUTER_APPROVAL: Record<number, 'empty' | 'approved' | 'pending' | 'rejected'> = {
  0: 'empty', 1: 'approved', 2: 'pending', 3: 'rejected',
};
export const EMAIL_STATE = { open: 0, completed: 1, canceled: 2 } as const;
export const EMAIL_STATUS = { draft: 1, completed: 2, sent: 3, received: 4, canceled: 5, pendingSend: 6, sending: 7, failed: 8 } as const;
export const PARTICIPATION = { sender: 1, to: 2, cc: 3, bcc: 4 } as const;

/** CheckIncomingEmailResponse.ReasonCode → the router's ReasonCode, with the documented meaning. */
export const CHECK_REASONS: Record<number, { reason: ReasonCode; name: string; text: string }> = {
  0: { reason: 'duplicate', name: 'Duplicate', text: 'a duplicate email message' },
  1: { reason: 'no-correlation-match', name: 'NoCorrelationMatch', text: 'nothing in the CRM correlates with this email' },
  2: { reason: 'correlation-match', name: 'CorrelationMatch', text: 'the email correlates with an email in the CRM' },
  3: { reason: 'no-recipient-match', name: 'NoRecipientMatch', text: 'none of the recipients is a user or queue of the CRM that tracks this email' },
  4: { reason: 'internal-email-reject', name: 'InternalEmailReject', text: 'internal communication, rejected' },
  5: { reason: 'sender-match', name: 'SenderMatch', text: 'accepted because of the sender' },
  6: { reason: 'accept-all', name: 'AcceptAll', text: 'a recipient accepts all email' },
  7: { reason: 'invalid-sender', name: 'InvalidSender', text: 'the sender address could not be found or is invalid' },
};

export function checkReason(code: number, shouldDeliver: boolean): { reason: ReasonCode; reasonText: string } {
  const known = CHECK_REASONS[code];
  const verdict = shouldDeliver ? 'deliver' : 'do not deliver';
  if (known) return { reason: known.reason, reasonText: `Dataverse CheckIncomingEmail: ${verdict}, ${known.name} (${code}): ${known.text}` };
  return {
    reason: shouldDeliver ? 'accept-all' : 'no-recipient-match',
    reasonText: `Dataverse CheckIncomingEmail: ${verdict}, reason code ${code} (Unknown)`,
  };
}

/** OData string literal: single quotes doubled. */
export function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
