import type { RecordRef, TrackingOption } from '@mailrouter/domain';
import { decideTracking, TrackingFacts } from './tracking-rules';

const owner = (option: TrackingOption, kind: 'user' | 'queue' = 'user') => ({
  kind, id: 'o1', label: `${kind} Ann <ann@ours.test>`, option, approved: true,
});

function facts(over: Partial<TrackingFacts>): TrackingFacts {
  return {
    ownerLookup: 'crmId o1', senderRecords: [], sender: 'bob@them.test', ownerIsRecipient: true,
    trackBetweenUsersAsTwo: false, trackAutomaticReplies: false, ...over,
  };
}

type SenderKind = 'user' | 'contact' | 'account' | 'lead' | 'unknown';
type Correlation = 'none' | 'token' | 'in-reply-to';
const SENDERS: SenderKind[] = ['user', 'contact', 'account', 'lead', 'unknown'];

function senderRecords(kind: SenderKind): RecordRef[] {
  return kind === 'unknown' ? [] : [{ type: kind, id: `${kind}-1` }];
}

function correlation(c: Correlation): TrackingFacts['correlation'] {
  if (c === 'none') return undefined;
  return { activityId: 'e1', regarding: { type: 'account', id: 'acc' }, rule: c, via: c === 'token' ? 'tracking token CRM:00010001' : 'In-Reply-To <o@ours.test>' };
}

/**
 * The expected verdict of every tracking option for every kind of sender, when the message
 * answers nothing (columns: user, contact, account, lead, unknown sender).
 */
const UNCORRELATED: Record<TrackingOption, string[]> = {
  'all':           ['accept-all',            'accept-all',   'accept-all',   'accept-all',   'accept-all'],
  'responses':     ['no-correlation-match',  'no-correlation-match', 'no-correlation-match', 'no-correlation-match', 'no-correlation-match'],
  'crm-records':   ['internal-email-reject', 'sender-match', 'sender-match', 'sender-match', 'no-correlation-match'],
  'email-enabled': ['sender-match',          'sender-match', 'sender-match', 'sender-match', 'no-correlation-match'],
  'none':          ['no-correlation-match',  'no-correlation-match', 'no-correlation-match', 'no-correlation-match', 'no-correlation-match'],
};
/** …and when it answers a tracked email (by token or by In-Reply-To): every option but `none` tracks it. */
const CORRELATED: Record<TrackingOption, string> = {
  'all': 'correlation-match', 'responses': 'correlation-match', 'crm-records': 'correlation-match',
  'email-enabled': 'correlation-match', 'none': 'no-correlation-match',
};
const TRACKED = new Set(['accept-all', 'sender-match', 'correlation-match']);

const CASES = (Object.keys(UNCORRELATED) as TrackingOption[]).flatMap((option) =>
  SENDERS.flatMap((sender, i) => (['none', 'token', 'in-reply-to'] as Correlation[]).map((corr) => ({
    option, sender, corr, expected: corr === 'none' ? UNCORRELATED[option][i] : CORRELATED[option],
  }))));

describe('decideTracking (the built-in CRM\'s CheckIncomingEmail)', () => {
  it.each(CASES)('option $option, sender $sender, correlation $corr → $expected', ({ option, sender, corr, expected }) => {
    const kind = option === 'none' ? 'queue' : 'user';
    const r = decideTracking(facts({ owner: owner(option, kind), senderRecords: senderRecords(sender), correlation: correlation(corr) }));
    expect(r.reason).toBe(expected);
    expect(r.shouldDeliver).toBe(TRACKED.has(expected));
    expect(r.correlationRule).toBe(expected === 'correlation-match' ? corr : 'none');
    if (expected === 'correlation-match') expect(r).toMatchObject({ correlatedActivityId: 'e1', regarding: { type: 'account', id: 'acc' } });
    expect(r.owner).toEqual({ type: kind, id: 'o1' });
  });

  it('ignores mail of a mailbox that has no owner', () => {
    expect(decideTracking(facts({}))).toMatchObject({ shouldDeliver: false, reason: 'owner-not-found' });
  });

  it('does not process mail for an address that is not approved, whatever the option', () => {
    const r = decideTracking(facts({ owner: { ...owner('all'), approved: false }, correlation: correlation('token') }));
    expect(r).toMatchObject({ shouldDeliver: false, reason: 'address-not-approved' });
    expect(r.reasonText).toMatch(/not approved/);
  });

  it('says duplicate with the existing activity, before any option', () => {
    const r = decideTracking(facts({ owner: owner('all'), duplicate: { activityId: 'a1', messageId: '<m@x>' } }));
    expect(r).toMatchObject({ shouldDeliver: false, reason: 'duplicate', correlatedActivityId: 'a1' });
  });

  it('a message without a usable From is an invalid sender, even for option all', () => {
    expect(decideTracking(facts({ owner: owner('all'), sender: undefined }))).toMatchObject({ shouldDeliver: false, reason: 'invalid-sender' });
    expect(decideTracking(facts({ owner: owner('crm-records'), sender: undefined }))).toMatchObject({ reason: 'invalid-sender' });
  });

  it('a copy where the owner is no To/Cc recipient is no recipient match, unless option all or correlated', () => {
    expect(decideTracking(facts({ owner: owner('crm-records'), ownerIsRecipient: false, senderRecords: senderRecords('contact') })))
      .toMatchObject({ shouldDeliver: false, reason: 'no-recipient-match' });
    expect(decideTracking(facts({ owner: owner('all'), ownerIsRecipient: false }))).toMatchObject({ reason: 'accept-all' });
    expect(decideTracking(facts({ owner: owner('responses'), ownerIsRecipient: false, correlation: correlation('token') })))
      .toMatchObject({ reason: 'correlation-match' });
  });

  it('automatic mail is tracked only when the deployment says so', () => {
    const automatic = { kind: 'auto-reply' as const, reason: 'Auto-Submitted: auto-replied' };
    const r = decideTracking(facts({ owner: owner('all'), automatic }));
    expect(r).toMatchObject({ shouldDeliver: false, reason: 'automatic-reply' });
    expect(r.reasonText).toContain('Auto-Submitted: auto-replied');
    expect(decideTracking(facts({ owner: owner('all'), automatic, trackAutomaticReplies: true }))).toMatchObject({ reason: 'accept-all' });
  });

  it('the loop guard stops tracking past maxMessages in the window, correlated or not', () => {
    const at = (count: number) => decideTracking(facts({ owner: owner('all'), correlation: correlation('token'), loop: { count, maxMessages: 3, windowMinutes: 10 } }));
    expect(at(3)).toMatchObject({ shouldDeliver: true, reason: 'correlation-match' });
    expect(at(4)).toMatchObject({ shouldDeliver: false, reason: 'loop-guard' });
    expect(at(4).reasonText).toMatch(/4 messages from bob@them.test .* within 10 minutes/);
  });

  it('mail between CRM users tracked for another user: rejected once, or a second activity when trackBetweenUsersAsTwo', () => {
    const base = { owner: owner('all'), senderRecords: senderRecords('user'), trackedElsewhere: { activityId: 'a0', ownerLabel: 'user Carl' } };
    expect(decideTracking(facts(base))).toMatchObject({ shouldDeliver: false, reason: 'internal-email-reject', correlatedActivityId: 'a0' });
    const two = decideTracking(facts({ ...base, trackBetweenUsersAsTwo: true }));
    expect(two).toMatchObject({ shouldDeliver: true, reason: 'accept-all' });
    expect(two.reasonText).toMatch(/second activity/);
  });

  it('external mail already tracked for another owner is a duplicate of that activity', () => {
    const r = decideTracking(facts({ owner: owner('all'), senderRecords: senderRecords('contact'), trackedElsewhere: { activityId: 'a0', ownerLabel: 'user Carl' }, trackBetweenUsersAsTwo: true }));
    expect(r).toMatchObject({ shouldDeliver: false, reason: 'duplicate', correlatedActivityId: 'a0' });
  });

  it('a sender failing DMARC is not matched to records, and the reason says so', () => {
    const r = decideTracking(facts({ owner: owner('crm-records'), senderRecords: senderRecords('contact'), senderDistrusted: 'the From domain them.test failed DMARC' }));
    expect(r).toMatchObject({ shouldDeliver: false, reason: 'no-correlation-match' });
    expect(r.reasonText).toMatch(/failed DMARC/);
  });
});
