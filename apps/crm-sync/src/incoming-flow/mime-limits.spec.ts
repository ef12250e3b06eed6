import { deepNesting, manyRecipients, siblingParts } from '@mailrouter/testing';
import { checkMimeLimits, countAddresses, DEFAULT_MIME_LIMITS, MailLimitExceededError, MimeLimits } from './mime-limits';

const limits: MimeLimits = { maxParseBytes: 10_000, maxHeaderBytes: 500, maxDepth: 3, maxParts: 5, maxRecipients: 4 };
const mail = (lines: string[]) => Buffer.from(lines.join('\r\n') + '\r\n');

function refusal(raw: Buffer, l: MimeLimits = limits): MailLimitExceededError | undefined {
  try {
    checkMimeLimits(raw, l);
    return undefined;
  } catch (err) {
    if (err instanceof MailLimitExceededError) return err;
    throw err;
  }
}

describe('checkMimeLimits: a linear pre-scan before mailparser', () => {
  it('lets ordinary mail through: parts, an attached message, a few recipients', () => {
    expect(refusal(mail([
      'From: a@b.test', 'To: "Doe, Jane" <j@x.test>, k@x.test', 'Cc: team: l@x.test, m@x.test;', 'Content-Type: multipart/mixed; boundary="o"', '',
      '--o', 'Content-Type: text/plain', '', 'hi',
      '--o', 'Content-Type: message/rfc822', '', 'From: c@d.test', 'Content-Type: multipart/alternative; boundary=i', '',
      '--i', 'Content-Type: text/plain', '', 'inner', '--i--',
      '--o--',
    ]))).toBeUndefined();
  });

  it('names the limit and the value: size, header block, depth, parts, recipients', () => {
    expect(refusal(Buffer.alloc(10_001, 'x'))).toMatchObject({ limit: 'maxParseBytes', value: 10_001, reason: 'limit-exceeded' });
    expect(refusal(mail(['From: a@b.test', `X-Long: ${'y'.repeat(600)}`, '', 'body']))).toMatchObject({ limit: 'maxHeaderBytes', value: 628 });
    expect(refusal(deepNesting(10), limits)).toMatchObject({ limit: 'maxDepth', value: 4 });
    expect(refusal(siblingParts(10), limits)).toMatchObject({ limit: 'maxParts', value: 6 });
    expect(refusal(manyRecipients(5), limits)).toMatchObject({ limit: 'maxRecipients', value: 5 });
    expect(refusal(manyRecipients(5), limits)?.message).toMatch(/MAX_RECIPIENTS: addresses in To, Cc and Bcc 5 > 4/);
  });

  it('counts the parts of every level, and a delimiter of an outer multipart closes the inner ones', () => {
    const raw = mail([
      'Content-Type: multipart/mixed; boundary=a', '',
      '--a', 'Content-Type: multipart/mixed; boundary=b', '', '--b', '', 'x', '--b', '', 'y',
      '--a', '', 'z', '--a', '', 'w', '--a--',
    ]);
    expect(refusal(raw, { ...limits, maxParts: 5 })).toBeUndefined();
    expect(refusal(raw, { ...limits, maxParts: 4 })).toMatchObject({ limit: 'maxParts', value: 5 });
    expect(refusal(raw, { ...limits, maxDepth: 1 })).toMatchObject({ limit: 'maxDepth', value: 2 });
  });

  it('stays linear on the issue-6 sizes (a generous bound: seconds, not minutes)', () => {
    const started = Date.now();
    expect(refusal(deepNesting(), DEFAULT_MIME_LIMITS)).toMatchObject({ limit: 'maxDepth' });
    expect(refusal(siblingParts(), DEFAULT_MIME_LIMITS)).toMatchObject({ limit: 'maxParts' });
    expect(refusal(manyRecipients(), DEFAULT_MIME_LIMITS)).toMatchObject({ limit: 'maxRecipients', value: 50_000 });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('stays linear on input aimed at the scanner itself: spaces before a delimiter, lines without a colon, unclosed quotes', () => {
    const started = Date.now();
    const spaces = `--b${' '.repeat(1000)}x\r\n`.repeat(20_000);
    expect(refusal(Buffer.from(`Content-Type: multipart/mixed; boundary=b\r\n\r\n${spaces}--b--\r\n`), DEFAULT_MIME_LIMITS)).toBeUndefined();
    const noColon = Buffer.from(`From: a@b.test\r\n${'x\r\n'.repeat(300_000)}\r\n${'y'.repeat(5_000_000)}`);
    expect(refusal(noColon, DEFAULT_MIME_LIMITS)).toBeUndefined();
    const quotes = Buffer.from(`Content-Type: multipart/mixed${';boundary="x'.repeat(80_000)}\r\n\r\nbody\r\n`);
    expect(refusal(quotes, DEFAULT_MIME_LIMITS)).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe('countAddresses', () => {
  it.each([
    ['a@b.test', 1],
    ['"Doe, Jane" <j@x.test>, k@x.test', 2],
    ['team: l@x.test, m@x.test;, n@x.test', 3],
    ['undisclosed-recipients:;', 0],
    ['(a, b, c) x@y.test , , ', 1],
    ['<a,b@x.test>', 1],
  ])('%s → %d', (value, count) => expect(countAddresses(value)).toBe(count));
});
