import { classifyAutomaticMail } from './automatic-mail';

const headers = (fields: Record<string, unknown>) => new Map<string, unknown>(Object.entries(fields));
const from = (address: string) => ({ value: [{ address, name: '' }], text: address });

describe('classifyAutomaticMail', () => {
  it('treats any Auto-Submitted value but "no" as an automatic reply (RFC 3834), with parameters and in any case', () => {
    for (const value of ['auto-replied', 'auto-generated', 'Auto-Notified', 'auto-replied; owner-email="x@y.test"']) {
      const verdict = classifyAutomaticMail(headers({ 'auto-submitted': value }), 'text/plain');
      expect(verdict.kind).toBe('auto-reply');
      expect(verdict.reason).toContain('Auto-Submitted');
    }
    expect(classifyAutomaticMail(headers({ 'auto-submitted': 'no' }), 'text/plain').kind).toBeNull();
    expect(classifyAutomaticMail(headers({ 'Auto-Submitted': ' NO ' }), 'text/plain').kind).toBeNull();
  });

  it('recognises a delivery status notification by its content type, from the argument or the parsed header', () => {
    const byArgument = classifyAutomaticMail(headers({}), 'multipart/report; report-type="delivery-status"; boundary=x');
    expect(byArgument).toEqual({ kind: 'bounce', reason: expect.stringContaining('report-type=delivery-status') });
    const byHeader = classifyAutomaticMail(headers({ 'content-type': { value: 'multipart/report', params: { 'report-type': 'delivery-status' } } }), 'multipart/report');
    expect(byHeader.kind).toBe('bounce');
    expect(classifyAutomaticMail(headers({}), 'multipart/report; report-type=global-delivery-status').kind).toBe('bounce');
  });

  it('calls a DSN a bounce even though it also carries Auto-Submitted (Postfix and Gmail add it)', () => {
    expect(classifyAutomaticMail(headers({ 'auto-submitted': 'auto-replied' }), 'multipart/report; report-type=delivery-status').kind).toBe('bounce');
  });

  it('recognises bounces by X-Failed-Recipients, the Exchange NDR flag and a mailer-daemon sender', () => {
    expect(classifyAutomaticMail(headers({ 'x-failed-recipients': 'a@b.test' }), 'text/plain')).toEqual({ kind: 'bounce', reason: 'X-Failed-Recipients: a@b.test' });
    expect(classifyAutomaticMail(headers({ 'x-ms-exchange-message-is-ndr': '' }), 'text/plain').kind).toBe('bounce');
    expect(classifyAutomaticMail(headers({ from: from('MAILER-DAEMON@mx.test'), subject: 'failure notice' }), 'text/plain').kind).toBe('bounce');
    expect(classifyAutomaticMail(headers({ from: 'Mail Delivery System <mailer-daemon@mx.test>' }), 'text/plain').kind).toBe('bounce');
  });

  it('accepts a postmaster sender as a bounce only with a report body or a bounce subject', () => {
    expect(classifyAutomaticMail(headers({ from: from('postmaster@contoso.test'), subject: 'Undeliverable: Offer' }), 'multipart/mixed').kind).toBe('bounce');
    expect(classifyAutomaticMail(headers({ from: from('postmaster@contoso.test') }), 'multipart/report').kind).toBe('bounce');
    expect(classifyAutomaticMail(headers({ from: from('postmaster@contoso.test'), subject: 'Re: your SPF question' }), 'text/plain').kind).toBeNull();
  });

  it('calls a read receipt (disposition notification) an automatic reply, not a bounce', () => {
    expect(classifyAutomaticMail(headers({}), 'multipart/report; report-type=disposition-notification').kind).toBe('auto-reply');
  });

  it('recognises vendor auto-reply headers and Exchange generated messages', () => {
    expect(classifyAutomaticMail(headers({ 'x-autoreply': 'yes' }), 'text/plain')).toEqual({ kind: 'auto-reply', reason: 'X-Autoreply: yes' });
    expect(classifyAutomaticMail(headers({ 'x-autorespond': 'Your quote' }), 'text/plain').kind).toBe('auto-reply');
    expect(classifyAutomaticMail(headers({ 'x-autoreply': 'no' }), 'text/plain').kind).toBeNull();
    const exchange = classifyAutomaticMail(headers({ 'x-ms-exchange-generated-message-source': 'Mailbox Rules Agent' }), 'text/plain');
    expect(exchange).toEqual({ kind: 'auto-reply', reason: expect.stringContaining('X-MS-Exchange-Generated-Message-Source: Mailbox Rules Agent') });
    const oofClass = classifyAutomaticMail(headers({ 'x-ms-exchange-organization-messageclass': 'IPM.Note.Rules.OofTemplate.Microsoft' }), 'text/plain');
    expect(oofClass.kind).toBe('auto-reply');
  });

  it('calls Precedence bulk/list/junk and List-Id/List-Unsubscribe bulk, raw or as mailparser merges them', () => {
    for (const p of ['bulk', 'list', 'Junk']) expect(classifyAutomaticMail(headers({ precedence: p }), 'text/plain')).toEqual({ kind: 'bulk', reason: `Precedence: ${p.toLowerCase()}` });
    expect(classifyAutomaticMail(headers({ 'list-id': '<crm.lists.test>' }), 'text/plain').kind).toBe('bulk');
    expect(classifyAutomaticMail(headers({ 'list-unsubscribe': '<https://x.test/u>' }), 'text/plain').kind).toBe('bulk');
    expect(classifyAutomaticMail(headers({ list: { unsubscribe: { url: 'https://x.test/u' } } }), 'text/plain')).toEqual({ kind: 'bulk', reason: 'List-Unsubscribe: https://x.test/u' });
    expect(classifyAutomaticMail(headers({ precedence: 'first-class' }), 'text/plain').kind).toBeNull();
  });

  it('prefers auto-reply over bulk (vacation programs add Precedence: bulk) and bulk over X-Auto-Response-Suppress', () => {
    expect(classifyAutomaticMail(headers({ 'auto-submitted': 'auto-replied', precedence: 'bulk' }), 'text/plain').kind).toBe('auto-reply');
    expect(classifyAutomaticMail(headers({ 'x-auto-response-suppress': 'OOF', 'list-unsubscribe': '<https://x.test>' }), 'text/plain').kind).toBe('bulk');
  });

  it('counts X-Auto-Response-Suppress only on an automatic reply subject (alone it is on plenty of real mail)', () => {
    const oof = classifyAutomaticMail(headers({ 'x-auto-response-suppress': 'All', subject: 'Automatic reply: Offer' }), 'text/plain');
    expect(oof).toEqual({ kind: 'auto-reply', reason: expect.stringContaining('X-Auto-Response-Suppress: All') });
    expect(classifyAutomaticMail(headers({ 'x-auto-response-suppress': 'All', subject: 'Abwesenheitsnotiz: Angebot' }), 'text/plain').kind).toBe('auto-reply');
    expect(classifyAutomaticMail(headers({ 'x-auto-response-suppress': 'DR, OOF, AutoReply', subject: 'Re: Contract draft' }), 'text/plain').kind).toBeNull();
    expect(classifyAutomaticMail(headers({ 'x-auto-response-suppress': 'All', subject: 'Re: automatic reply settings' }), 'text/plain').kind).toBeNull();
  });

  it('leaves ordinary mail alone, whatever its subject or Outlook headers say', () => {
    const ordinary = headers({
      from: from('priya@northwind.test'),
      subject: 'RE: Out of office and automatic replies - undeliverable parcels',
      'thread-topic': 'Out of office',
      'x-ms-exchange-organization-scl': '1',
      'x-ms-has-attach': 'yes',
      'content-type': { value: 'multipart/mixed', params: {} },
    });
    expect(classifyAutomaticMail(ordinary, 'multipart/mixed')).toEqual({ kind: null, reason: 'no automatic-mail header field' });
    expect(classifyAutomaticMail(new Map(), '').kind).toBeNull();
  });
});
