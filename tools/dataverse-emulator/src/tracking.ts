import type { Row } from './odata-filter';
import { DELIVERY_METHOD, EMAIL_STATE, EMAIL_STATUS, EmulatorStore, PARTICIPATION } from './store';

/**
 * The emulator's tracking decision: a simple, documented reimplementation of the CRM's rules
 * (not Microsoft's code), enough to return real CheckIncomingEmail reason codes.
 *
 *  1. an email with the same Message-ID exists → Duplicate (0), not delivered;
 *  2. no To/Cc/Bcc recipient is a user or queue whose mailbox's incoming delivery is the
 *     E-mail Router / server-side synchronization → NoRecipientMatch (3);
 *  3. a tracking token in the subject (CRM:<digits>) that matches an email's trackingtoken, or
 *     an In-Reply-To (ExtraProperties.inreplyto) matching an email's messageid → CorrelationMatch (2);
 *  4. else the first matching recipient's incomingemailfilteringmethod decides:
 *     0 all email → AcceptAll (6); 1 responses only → NoCorrelationMatch (1), not delivered;
 *     2/3 from records → the sender is a contact, account or user → SenderMatch (5), else
 *     InvalidSender (7), not delivered; 4 none → NoRecipientMatch (3), not delivered.
 */
export const REASON = {
  unknown: -1, duplicate: 0, noCorrelationMatch: 1, correlationMatch: 2, noRecipientMatch: 3,
  internalEmailReject: 4, senderMatch: 5, acceptAll: 6, invalidSender: 7,
} as const;

export const TRACKING_TOKEN_PATTERN = /CRM:\d+/i;

export interface IncomingParams {
  MessageId?: string;
  Subject?: string;
  From?: string;
  To?: string;
  Cc?: string;
  Bcc?: string;
  ExtraProperties?: Row;
}

export function splitAddresses(list: string | undefined): string[] {
  return (list ?? '').split(/[;,]/).map((a) => a.trim().toLowerCase()).filter(Boolean);
}

export interface Decision {
  ShouldDeliver: boolean;
  ReasonCode: number;
  /** The email this one correlates with (internal: regarding of the new activity). */
  correlated?: Row;
}

function routerRecipients(store: EmulatorStore, p: IncomingParams) {
  const all = [...splitAddresses(p.To), ...splitAddresses(p.Cc), ...splitAddresses(p.Bcc)];
  return all.flatMap((address) => {
    const principal = store.principalByAddress(address);
    if (!principal) return [];
    const idAttr = principal.logicalName === 'systemuser' ? 'systemuserid' : 'queueid';
    const mailbox = store.list('mailboxes').find((m) =>
      String(m._regardingobjectid_value ?? '').toLowerCase() === String(principal.row[idAttr]).toLowerCase() &&
      m.incomingemaildeliverymethod === DELIVERY_METHOD.serverSideSyncOrRouter);
    return mailbox ? [{ ...principal, mailbox }] : [];
  });
}

function correlate(store: EmulatorStore, p: IncomingParams): Row | undefined {
  const token = p.Subject?.match(TRACKING_TOKEN_PATTERN)?.[0];
  const emails = store.list('emails');
  if (token) {
    const byToken = emails.find((e) => String(e.trackingtoken ?? '').toLowerCase() === token.toLowerCase());
    if (byToken) return byToken;
  }
  const inReplyTo = typeof p.ExtraProperties?.inreplyto === 'string' ? p.ExtraProperties.inreplyto.toLowerCase() : undefined;
  return inReplyTo ? emails.find((e) => String(e.messageid ?? '').toLowerCase() === inReplyTo) : undefined;
}

export function checkIncoming(store: EmulatorStore, p: IncomingParams): Decision {
  const messageId = p.MessageId?.toLowerCase();
  if (messageId && store.list('emails').some((e) => String(e.messageid ?? '').toLowerCase() === messageId)) {
    return { ShouldDeliver: false, ReasonCode: REASON.duplicate };
  }
  const recipients = routerRecipients(store, p);
  if (recipients.length === 0) return { ShouldDeliver: false, ReasonCode: REASON.noRecipientMatch };
  const correlated = correlate(store, p);
  if (correlated) return { ShouldDeliver: true, ReasonCode: REASON.correlationMatch, correlated };
  const filtering = Number(recipients[0].row.incomingemailfilteringmethod ?? 1);
  switch (filtering) {
    case 0: return { ShouldDeliver: true, ReasonCode: REASON.acceptAll };
    case 2:
    case 3: {
      const from = splitAddresses(p.From)[0];
      const known = from && (store.recordsByAddress(from).length > 0 || store.principalByAddress(from));
      return known ? { ShouldDeliver: true, ReasonCode: REASON.senderMatch } : { ShouldDeliver: false, ReasonCode: REASON.invalidSender };
    }
    case 4: return { ShouldDeliver: false, ReasonCode: REASON.noRecipientMatch };
    default: return { ShouldDeliver: false, ReasonCode: REASON.noCorrelationMatch };
  }
}

export interface DeliverParams extends IncomingParams {
  ReceivedOn?: string;
  SubmittedBy?: string;
  Importance?: string;
  Body?: string;
  Attachments?: Row[];
  ValidateBeforeCreate?: boolean;
}

function party(store: EmulatorStore, mask: number, address: string): Row {
  const principal = store.principalByAddress(address);
  const record = principal ?? store.recordsByAddress(address)[0];
  const idAttr = record ? `${record.logicalName}id` : undefined;
  return {
    participationtypemask: mask, addressused: address,
    _partyid_value: record && idAttr ? record.row[idAttr] : null,
    partyobjecttypecode: record?.logicalName ?? null,
  };
}

/** DeliverIncomingEmail: one received email activity with its parties and attachments. */
export function deliverIncoming(store: EmulatorStore, p: DeliverParams): { email?: Row; error?: string } {
  const decision = checkIncoming(store, p);
  if (p.ValidateBeforeCreate && !decision.ShouldDeliver) {
    return { error: `The e-mail was not delivered: CheckIncomingEmail reason code ${decision.ReasonCode}.` };
  }
  const parties = [
    ...splitAddresses(p.From).map((a) => party(store, PARTICIPATION.sender, a)),
    ...splitAddresses(p.To).map((a) => party(store, PARTICIPATION.to, a)),
    ...splitAddresses(p.Cc).map((a) => party(store, PARTICIPATION.cc, a)),
    ...splitAddresses(p.Bcc).map((a) => party(store, PARTICIPATION.bcc, a)),
  ];
  const importance: Record<string, number> = { low: 0, normal: 1, high: 2 };
  const email = store.create('emails', {
    subject: p.Subject ?? null, description: p.Body ?? null, messageid: p.MessageId ?? null,
    sender: splitAddresses(p.From)[0] ?? null, torecipients: p.To ?? null, directioncode: false,
    statecode: EMAIL_STATE.completed, statuscode: EMAIL_STATUS.received,
    prioritycode: importance[String(p.Importance ?? 'normal').toLowerCase()] ?? 1,
    actualend: p.ReceivedOn ?? new Date().toISOString(), submittedby: p.SubmittedBy ?? null,
    trackingtoken: p.Subject?.match(TRACKING_TOKEN_PATTERN)?.[0] ?? null,
    _regardingobjectid_value: decision.correlated?._regardingobjectid_value ?? null,
    inreplyto: typeof p.ExtraProperties?.inreplyto === 'string' ? p.ExtraProperties.inreplyto : null,
    email_activity_parties: parties,
  });
  for (const a of p.Attachments ?? []) {
    store.create('activitymimeattachments', {
      _objectid_value: email.activityid, objecttypecode: 'email', filename: a.filename ?? null,
      mimetype: a.mimetype ?? null, body: a.body ?? '', filesize: Buffer.from(String(a.body ?? ''), 'base64').length,
    });
  }
  return { email };
}
