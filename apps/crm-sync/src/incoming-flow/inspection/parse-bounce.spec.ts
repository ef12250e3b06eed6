import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { deterministicMessageId } from '@mailrouter/domain';
import { parseBounce } from './parse-bounce';

const fixture = (name: string) => readFileSync(join(__dirname, 'fixtures', name));
/** Both ways mailparser can present a DSN: folded into the text (default, as parse-mail.ts does) or as a part. */
const MODES = [
  { name: 'DSN folded into text', options: { skipImageLinks: true, skipTextToHtml: true } },
  { name: 'DSN kept as a part', options: { keepDeliveryStatus: true } },
];

describe('parseBounce', () => {
  const cases = [
    { file: 'bounce/postfix-full.eml', originalMessageId: '<mr.email-42.0123456789abcdef@ours.test>', emailId: 'email-42', status: '5.1.1', action: 'failed', recipient: 'nobody@example.net', diagnostic: /^550 5\.1\.1 <nobody@example\.net>: Recipient address rejected: User unknown/ },
    { file: 'bounce/postfix-headers-only.eml', originalMessageId: '<mr.email-108.aa00bb11cc22dd33@ours.test>', emailId: 'email-108', status: '5.2.2', action: 'failed', recipient: 'full@example.org', diagnostic: /^552 5\.2\.2 <full@example\.org>: Mailbox full$/ },
    { file: 'bounce/postfix-delayed.eml', originalMessageId: '<mr.email-300.0f0e0d0c0b0a0908@ours.test>', emailId: 'email-300', status: '4.4.1', action: 'delayed', recipient: 'slow@example.com', diagnostic: /Connection timed out$/ },
    { file: 'bounce/exchange-online-ndr.eml', originalMessageId: '<mr.email-51.1122334455667788@ours.test>', emailId: 'email-51', status: '5.1.10', action: 'failed', recipient: 'gone@contoso.com', diagnostic: /^550 5\.1\.10 RESOLVER\.ADR\.RecipientNotFound; Recipient gone@contoso\.com not found/ },
    { file: 'bounce/gmail-dsn.eml', originalMessageId: '<mr.email-77.99aa88bb77cc66dd@ours.test>', emailId: 'email-77', status: '5.1.1', action: 'failed', recipient: 'missing.person@gmail.com', diagnostic: /^550-5\.1\.1 The email account that you tried to reach does not exist/ },
  ];
  for (const mode of MODES) {
    for (const c of cases) {
      it(`reads ${c.file} (${mode.name}): original Message-ID, email id, status, recipient, diagnostic`, async () => {
        const report = parseBounce(await simpleParser(fixture(c.file), mode.options));
        expect(report).toEqual({
          originalMessageId: c.originalMessageId,
          emailId: c.emailId,
          status: c.status,
          action: c.action,
          recipient: c.recipient,
          diagnostic: expect.stringMatching(c.diagnostic),
        });
      });
    }
  }

  it('reads a text-only (qmail) bounce: the copy of the message below the marker and the status in the prose', async () => {
    const report = parseBounce(await simpleParser(fixture('bounce/qmail-failure-notice.eml')));
    expect(report).toEqual({
      originalMessageId: '<mr.email-90.5544332211009988@ours.test>',
      emailId: 'email-90',
      status: '5.1.1',
      diagnostic: expect.stringContaining('Sorry, no mailbox here by that name. (#5.1.1)'),
    });
    expect(report!.diagnostic).not.toContain('Your renewal is due');
  });

  it('derives the email id from our own deterministic Message-ID when the original is not returned', async () => {
    const messageId = deterministicMessageId('8c1f2a9e-4b7d-4c3e-9f10-5a6b7c8d9e0f', 'sales@ours.test');
    const raw = [
      'From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>',
      'To: sales@ours.test',
      'Subject: Delivery Status Notification (Failure)',
      `In-Reply-To: ${messageId}`,
      'Content-Type: multipart/report; report-type=delivery-status; boundary="b"',
      '',
      '--b',
      'Content-Type: text/plain',
      '',
      'Address not found.',
      '--b',
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; googlemail.com',
      `X-Original-Message-ID: ${messageId}`,
      '',
      'Final-Recipient: rfc822; someone@gmail.com',
      'Action: failed',
      'Status: 5.1.1',
      '',
      '--b--',
      '',
    ].join('\r\n');
    const report = parseBounce(await simpleParser(Buffer.from(raw)));
    expect(report).toMatchObject({ originalMessageId: messageId, emailId: '8c1f2a9e-4b7d-4c3e-9f10-5a6b7c8d9e0f', status: '5.1.1', recipient: 'someone@gmail.com' });
  });

  it('does not invent an email id from a Message-ID that only looks like ours', async () => {
    const raw = fixture('bounce/postfix-full.eml').toString().replace(/^X-MailRouter-Email-Id: email-42\n/m, '');
    const report = parseBounce(await simpleParser(Buffer.from(raw)));
    expect(report?.originalMessageId).toBe('<mr.email-42.0123456789abcdef@ours.test>');
    expect(report?.emailId).toBeUndefined();
  });

  it('reports the failed recipient of a DSN that lists several', async () => {
    const raw = fixture('bounce/postfix-full.eml').toString().replace(
      'Final-Recipient: rfc822; nobody@example.net',
      'Final-Recipient: rfc822; fine@example.net\nAction: delivered\nStatus: 2.0.0\n\nFinal-Recipient: rfc822; nobody@example.net',
    );
    const report = parseBounce(await simpleParser(Buffer.from(raw), { keepDeliveryStatus: true }));
    expect(report).toMatchObject({ recipient: 'nobody@example.net', status: '5.1.1', action: 'failed' });
  });

  it.each(['normal/outlook-reply.eml', 'normal/signed-report-attachment.eml', 'normal/human-postmaster.eml', 'auto-reply/exchange-oof.eml', 'auto-reply/read-receipt.eml', 'bulk/newsletter.eml'])(
    'returns undefined for %s, which is no bounce',
    async (file) => {
      expect(parseBounce(await simpleParser(fixture(file)))).toBeUndefined();
    },
  );
});
