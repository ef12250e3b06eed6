import type { CrmTraceReceivedV1, IncomingTraceMessageV1 } from '@mailrouter/contracts';
import { mergeTrace } from './trace.merge';

const crm = (over: Partial<CrmTraceReceivedV1> = {}): CrmTraceReceivedV1 => ({
  receivedId: 'm1:imap:1:1', mailboxId: 'm1', messageId: '<a@x>', to: [], decidedAt: '2026-01-01T10:00:01.000Z',
  verdict: { outcome: 'ignored', reason: 'no-correlation-match', reasonText: 'not a response' }, parties: [], ...over,
});
const inc = (over: Partial<IncomingTraceMessageV1> = {}): IncomingTraceMessageV1 => ({
  receivedId: 'm1:imap:1:1', mailboxId: 'm1', protocol: 'imap', receivedAt: '2026-01-01T10:00:00.000Z', size: 10,
  state: 'verdict', tooLarge: false, ...over,
});

describe('mergeTrace', () => {
  const mailboxes = new Map([['m1', { id: 'm1', address: 'alice@contoso.test', kind: 'user' }]]);

  it('joins both sides by receivedId; the stage follows the server state, then the verdict', () => {
    const [item] = mergeTrace({ received: [crm()], outgoing: [] }, { messages: [inc()] }, mailboxes, 10);
    expect(item).toMatchObject({
      stage: 'ignored', mailbox: { address: 'alice@contoso.test' }, receivedAt: '2026-01-01T10:00:00.000Z',
      verdict: { outcome: 'ignored', decidedAt: '2026-01-01T10:00:01.000Z' }, server: { state: 'verdict' },
    });
    expect(mergeTrace({ received: [crm()], outgoing: [] }, { messages: [inc({ state: 'settled' })] }, mailboxes, 10)[0]).toMatchObject({ stage: 'settled' });
    expect(mergeTrace(undefined, { messages: [inc({ state: 'published' })] }, mailboxes, 10)[0]).toMatchObject({ stage: 'awaiting-verdict' });
  });

  it('shows a too-large message as quarantined with the router reason, and an unknown mailbox by id', () => {
    const tooLarge = inc({ mailboxId: 'm9', state: 'settled', outcome: 'quarantined', reason: 'too-large', reasonText: 'over', tooLarge: true });
    const [item] = mergeTrace(undefined, { messages: [tooLarge] }, mailboxes, 10);
    expect(item).toMatchObject({ stage: 'quarantined', verdict: { outcome: 'quarantined', reason: 'too-large' }, mailbox: { id: 'm9' } });
  });

  it('orders newest first across directions and keeps at most limit items', () => {
    const items = mergeTrace({
      received: [crm({ receivedId: 'old', decidedAt: '2026-01-01T00:00:00.000Z' })],
      outgoing: [{ emailId: 'e1', subject: 's', to: [], status: 'sent', deliveryAttempts: 1, createdAt: '2026-01-02T00:00:00.000Z' }],
    }, { messages: [inc({ receivedId: 'new', receivedAt: '2026-01-03T00:00:00.000Z' })] }, mailboxes, 2);
    expect(items.map((i) => (i.direction === 'incoming' ? i.receivedId : i.emailId))).toEqual(['new', 'e1']);
  });
});
