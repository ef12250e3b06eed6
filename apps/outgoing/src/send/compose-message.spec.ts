import type { SendCommandV1 } from '@mailrouter/contracts';
import { composeMessage, EMAIL_ID_HEADER, messageIdOf } from './compose-message';

const base: SendCommandV1 = {
  emailId: 'e-1', claim: 1, deploymentId: 'd', mailboxId: 'm',
  from: { address: 'Alice@Example.COM' }, to: [{ address: 'bob@example.org' }], cc: [], bcc: [],
  subject: 'Quote', references: [],
};

describe('composeMessage', () => {
  it('appends the tracking token to the subject once', () => {
    expect(composeMessage({ ...base, trackingToken: 'CRM:00010001' }).subject).toBe('Quote CRM:00010001');
    expect(composeMessage({ ...base, subject: 'RE: Quote CRM:00010001', trackingToken: 'CRM:00010001' }).subject)
      .toBe('RE: Quote CRM:00010001');
    expect(composeMessage(base).subject).toBe('Quote');
  });

  it('gives the same email the same Message-ID and another email another one', () => {
    const a = composeMessage(base).messageId;
    expect(composeMessage({ ...base, claim: 2 }).messageId).toBe(a);
    expect(a).toMatch(/^<mr\.e-1\.[0-9a-f]{16}@example\.com>$/);
    expect(messageIdOf({ ...base, emailId: 'e-2' })).not.toBe(a);
  });

  it('carries the threading headers and the email id header', () => {
    const m = composeMessage({ ...base, inReplyTo: '<x@y>', references: ['<w@y>', '<x@y>'] });
    expect(m.inReplyTo).toBe('<x@y>');
    expect(m.references).toEqual(['<w@y>', '<x@y>']);
    expect(m.headers).toEqual({ [EMAIL_ID_HEADER]: 'e-1' });
  });
});
