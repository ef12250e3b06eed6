import type { CheckIncomingResult, RecordRef, RecordType, TrackingOption } from '@mailrouter/domain';

/**
 * The built-in CRM's CheckIncomingEmail, as a pure function of what was looked up:
 * owner → duplicate → the owner's "track incoming email" option, with correlation first.
 */
export interface TrackingFacts {
  /** The mailbox's user or queue; undefined when none was found. */
  owner?: { kind: 'user' | 'queue'; id: string; label: string; option: TrackingOption };
  /** How the owner was looked for, for the sentence when it was not found. */
  ownerLookup: string;
  /** An activity of this owner with the same Message-ID. */
  duplicate?: { activityId: string; messageId: string };
  /** The email this one replies to. */
  correlation?: { activityId: string; regarding?: RecordRef; via: string };
  /** The sender's normalised address, if the message has a usable one. */
  sender?: string;
  /** The record types the sender's address belongs to. */
  senderRecords: RecordRef[];
}

const RECORD_WORDS: Record<RecordType, string> = {
  user: 'a CRM user', queue: 'a queue', contact: 'a contact', account: 'an account', lead: 'a lead',
};
const CRM_RECORD_TYPES: RecordType[] = ['contact', 'account', 'lead'];

function ignored(reason: CheckIncomingResult['reason'], reasonText: string): CheckIncomingResult {
  return { shouldDeliver: false, reason, reasonText };
}

export function decideTracking(f: TrackingFacts): CheckIncomingResult {
  const owner = f.owner;
  if (!owner) return ignored('owner-not-found', `no CRM user or queue owns this mailbox (${f.ownerLookup})`);
  if (f.duplicate) {
    return {
      ...ignored('duplicate', `already tracked for ${owner.label} as activity ${f.duplicate.activityId} (same Message-ID ${f.duplicate.messageId})`),
      correlatedActivityId: f.duplicate.activityId,
    };
  }
  if (owner.option === 'none') return ignored('no-correlation-match', `${owner.label} does not track incoming email (option none)`);
  if (f.correlation) {
    return {
      shouldDeliver: true,
      reason: 'correlation-match',
      reasonText: `a response to tracked email ${f.correlation.activityId} (${f.correlation.via})`,
      correlatedActivityId: f.correlation.activityId,
      regarding: f.correlation.regarding,
    };
  }
  switch (owner.option) {
    case 'all':
      return { shouldDeliver: true, reason: 'accept-all', reasonText: `${owner.label} tracks all incoming email` };
    case 'responses':
      return ignored('no-correlation-match', `${owner.label} tracks only responses to CRM email, and this is not one (no tracking token, In-Reply-To or References match)`);
    case 'crm-records':
    case 'email-enabled':
      return senderDecision(f, owner.label, owner.option === 'crm-records' ? CRM_RECORD_TYPES : undefined);
  }
}

function senderDecision(f: TrackingFacts, label: string, types: RecordType[] | undefined): CheckIncomingResult {
  if (!f.sender) return ignored('invalid-sender', `the message has no usable sender address, and ${label} tracks only email from CRM records`);
  const match = f.senderRecords.find((r) => !types || types.includes(r.type));
  if (match) {
    return { shouldDeliver: true, reason: 'sender-match', reasonText: `sender ${f.sender} is ${RECORD_WORDS[match.type]} (${match.id})` };
  }
  const what = types ? 'a contact, account or lead' : 'a CRM user, queue, contact, account or lead';
  return ignored('no-correlation-match', `sender ${f.sender} is not ${what}`);
}
