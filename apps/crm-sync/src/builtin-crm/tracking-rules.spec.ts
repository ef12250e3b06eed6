import { decideTracking, TrackingFacts } from './tracking-rules';

const user = (option: 'all' | 'responses' | 'crm-records' | 'email-enabled' | 'none') => ({
  kind: 'user' as const, id: 'u1', label: 'user Ann <ann@ours.test>', option,
});

function facts(over: Partial<TrackingFacts>): TrackingFacts {
  return { ownerLookup: 'crmId u1', senderRecords: [], sender: 'bob@them.test', ...over };
}

describe('decideTracking (the built-in CRM\'s CheckIncomingEmail)', () => {
  it('ignores mail of a mailbox that has no owner', () => {
    expect(decideTracking(facts({}))).toMatchObject({ shouldDeliver: false, reason: 'owner-not-found' });
  });

  it('says duplicate with the existing activity, before any option', () => {
    const r = decideTracking(facts({ owner: user('all'), duplicate: { activityId: 'a1', messageId: '<m@x>' } }));
    expect(r).toMatchObject({ shouldDeliver: false, reason: 'duplicate', correlatedActivityId: 'a1' });
  });

  it('tracks everything for option all', () => {
    expect(decideTracking(facts({ owner: user('all') }))).toMatchObject({ shouldDeliver: true, reason: 'accept-all' });
  });

  it('tracks only correlated mail for option responses, with the original\'s regarding', () => {
    expect(decideTracking(facts({ owner: user('responses') }))).toMatchObject({ shouldDeliver: false, reason: 'no-correlation-match' });
    const r = decideTracking(facts({
      owner: user('responses'),
      correlation: { activityId: 'e1', regarding: { type: 'account', id: 'acc' }, via: 'tracking token CRM:00010001' },
    }));
    expect(r).toMatchObject({ shouldDeliver: true, reason: 'correlation-match', correlatedActivityId: 'e1', regarding: { type: 'account', id: 'acc' } });
  });

  it('for crm-records, a contact/account/lead sender matches, a user sender does not', () => {
    expect(decideTracking(facts({ owner: user('crm-records'), senderRecords: [{ type: 'lead', id: 'l1' }] })))
      .toMatchObject({ shouldDeliver: true, reason: 'sender-match' });
    const r = decideTracking(facts({ owner: user('crm-records'), senderRecords: [{ type: 'user', id: 'u2' }] }));
    expect(r).toMatchObject({ shouldDeliver: false, reason: 'no-correlation-match' });
    expect(r.reasonText).toBe('sender bob@them.test is not a contact, account or lead');
  });

  it('for email-enabled, any record matches', () => {
    expect(decideTracking(facts({ owner: user('email-enabled'), senderRecords: [{ type: 'queue', id: 'q1' }] })))
      .toMatchObject({ shouldDeliver: true, reason: 'sender-match' });
    expect(decideTracking(facts({ owner: user('email-enabled') }))).toMatchObject({ shouldDeliver: false });
  });

  it('a sender-based option without a usable sender is an invalid sender', () => {
    expect(decideTracking(facts({ owner: user('crm-records'), sender: undefined }))).toMatchObject({ reason: 'invalid-sender' });
  });

  it('a queue with option none tracks nothing, not even replies', () => {
    const r = decideTracking(facts({ owner: { ...user('none'), kind: 'queue' }, correlation: { activityId: 'e1', via: 'x' } }));
    expect(r.shouldDeliver).toBe(false);
  });
});
