import type { CheckIncomingResult, CorrelationRule, RecordRef, RecordType, TrackingOption } from '@mailrouter/domain';

/**
 * The built-in CRM's CheckIncomingEmail, as a pure function of what was looked up. The order
 * of the checks is the original's, with the router's own guards where it has none:
 * owner → approved address → duplicate → usable sender → option `none` → automatic mail →
 * loop guard → already tracked for another owner (internal mail) → correlation → option.
 */
export interface TrackingFacts {
  /** The mailbox's user or queue; undefined when none was found. */
  owner?: { kind: 'user' | 'queue'; id: string; label: string; option: TrackingOption; approved: boolean };
  /** How the owner was looked for, for the sentence when it was not found. */
  ownerLookup: string;
  /** An activity of this owner with the same Message-ID. */
  duplicate?: { activityId: string; messageId: string };
  /** An activity of another owner with the same Message-ID (the message was tracked already). */
  trackedElsewhere?: { activityId: string; ownerLabel: string };
  /** The sender's normalised address, if the message has a usable one. */
  sender?: string;
  /** The records the sender's address belongs to (resolution order). */
  senderRecords: RecordRef[];
  /** Set when the sender must not be trusted (DMARC failed): a sentence saying why. */
  senderDistrusted?: string;
  /** The owner's address is among the To/Cc recipients. */
  ownerIsRecipient: boolean;
  /** The activity this email answers, and by which rule. */
  correlation?: { activityId: string; regarding?: RecordRef; rule: Exclude<CorrelationRule, 'none'>; via: string };
  /** An auto-reply, bounce or bulk mail. */
  automatic?: { kind: 'auto-reply' | 'bounce' | 'bulk'; reason: string };
  /** Messages from this sender to this owner within the loop guard's window, this one included. */
  loop?: { count: number; maxMessages: number; windowMinutes: number };
  trackBetweenUsersAsTwo: boolean;
  trackAutomaticReplies: boolean;
}

const RECORD_WORDS: Record<RecordType, string> = {
  user: 'a CRM user', queue: 'a queue', contact: 'a contact', account: 'an account', lead: 'a lead',
};
const CRM_RECORD_TYPES: RecordType[] = ['contact', 'account', 'lead'];

function ignored(reason: CheckIncomingResult['reason'], reasonText: string, extra: Partial<CheckIncomingResult> = {}): CheckIncomingResult {
  return { shouldDeliver: false, reason, reasonText, correlationRule: 'none', ...extra };
}

/** The sender's records that may be used: none when the sender is not trusted. */
function trustedSenderRecords(f: TrackingFacts): RecordRef[] {
  return f.senderDistrusted ? [] : f.senderRecords;
}

function isInternal(f: TrackingFacts): boolean {
  return trustedSenderRecords(f).some((r) => r.type === 'user');
}

export function decideTracking(f: TrackingFacts): CheckIncomingResult {
  const owner = f.owner;
  if (!owner) return ignored('owner-not-found', `no CRM user or queue owns this mailbox (${f.ownerLookup})`);
  const ref = { owner: { type: owner.kind, id: owner.id } as RecordRef };
  if (!owner.approved) {
    return ignored('address-not-approved', `the email address of ${owner.label} is not approved by a CRM administrator: its mail is not processed`, ref);
  }
  if (f.duplicate) {
    return ignored('duplicate', `already tracked for ${owner.label} as activity ${f.duplicate.activityId} (same Message-ID ${f.duplicate.messageId})`, {
      ...ref, correlatedActivityId: f.duplicate.activityId,
    });
  }
  if (!f.sender) return ignored('invalid-sender', `the message has no usable sender (From) address, so ${owner.label} cannot track it`, ref);
  if (owner.option === 'none') return ignored('no-correlation-match', `${owner.label} does not track incoming email (option none)`, ref);
  if (f.automatic && !f.trackAutomaticReplies) {
    return ignored('automatic-reply', `an automatic message (${f.automatic.kind}: ${f.automatic.reason}); the deployment does not track automatic replies, bounces or bulk mail`, ref);
  }
  if (f.loop && f.loop.count > f.loop.maxMessages) {
    return ignored('loop-guard', `loop guard: ${f.loop.count} messages from ${f.sender} to ${owner.label} within ${f.loop.windowMinutes} minutes (more than ${f.loop.maxMessages}); not tracked, an alert was raised`, ref);
  }
  if (f.trackedElsewhere) {
    const elsewhere = f.trackedElsewhere;
    if (!isInternal(f)) {
      return ignored('duplicate', `already tracked as activity ${elsewhere.activityId} of ${elsewhere.ownerLabel} (same Message-ID): one message makes one activity`, {
        ...ref, correlatedActivityId: elsewhere.activityId,
      });
    }
    if (!f.trackBetweenUsersAsTwo) {
      return ignored('internal-email-reject', `email between CRM users (from ${f.sender}) is already tracked as activity ${elsewhere.activityId} of ${elsewhere.ownerLabel}, and the deployment tracks it once (trackBetweenUsersAsTwo off)`, {
        ...ref, correlatedActivityId: elsewhere.activityId,
      });
    }
  }
  const asTwo = f.trackedElsewhere ? ` (email between CRM users, tracked as a second activity: activity ${f.trackedElsewhere.activityId} is ${f.trackedElsewhere.ownerLabel}'s)` : '';
  if (f.correlation) {
    const c = f.correlation;
    return {
      shouldDeliver: true, reason: 'correlation-match', ...ref,
      reasonText: `a response to tracked email ${c.activityId} (${c.via})${asTwo}`,
      correlatedActivityId: c.activityId, regarding: c.regarding, correlationRule: c.rule,
    };
  }
  if (owner.option === 'all') {
    return { shouldDeliver: true, reason: 'accept-all', reasonText: `${owner.label} tracks all incoming email${asTwo}`, correlationRule: 'none', ...ref };
  }
  if (!f.ownerIsRecipient) {
    return ignored('no-recipient-match', `${owner.label} is not among the To/Cc recipients (a Bcc'd or forwarded copy), and the message answers no tracked email`, ref);
  }
  if (owner.option === 'responses') {
    return ignored('no-correlation-match', `${owner.label} tracks only responses to CRM email, and this is not one (no tracking token, In-Reply-To, References or smart match)`, ref);
  }
  const decided = senderDecision(f, owner.label, owner.option === 'crm-records' ? CRM_RECORD_TYPES : undefined);
  return { ...decided, ...ref, reasonText: decided.reasonText + (decided.shouldDeliver ? asTwo : '') };
}

function senderDecision(f: TrackingFacts, label: string, types: RecordType[] | undefined): CheckIncomingResult {
  const records = trustedSenderRecords(f);
  const match = records.find((r) => !types || types.includes(r.type));
  if (match) {
    return { shouldDeliver: true, reason: 'sender-match', correlationRule: 'none', reasonText: `sender ${f.sender} is ${RECORD_WORDS[match.type]} (${match.id})` };
  }
  if (f.senderDistrusted) return ignored('no-correlation-match', `${f.senderDistrusted}: not matched to a CRM record, and ${label} tracks only email from CRM records`);
  if (types && isInternal(f)) {
    return ignored('internal-email-reject', `sender ${f.sender} is a CRM user: email between CRM users is not tracked by ${label}, who tracks only email from contacts, accounts and leads`);
  }
  const what = types ? 'a contact, account or lead' : 'a CRM user, queue, contact, account or lead';
  return ignored('no-correlation-match', `sender ${f.sender} is not ${what}`);
}
