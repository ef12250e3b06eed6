import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { classifyAutomaticMail } from '@mailrouter/domain';

/** The corpus: fixtures/<expected kind>/*.eml, parsed the way parse-mail.ts parses received mail. */
const FIXTURES = join(__dirname, 'fixtures');
const EXPECTED = { bounce: 'bounce', 'auto-reply': 'auto-reply', bulk: 'bulk', normal: null } as const;

async function classify(path: string) {
  const parsed = await simpleParser(readFileSync(path), { skipImageLinks: true, skipTextToHtml: true });
  const contentType = parsed.headers.get('content-type') as { value: string } | undefined;
  return classifyAutomaticMail(parsed.headers, contentType?.value ?? 'text/plain');
}

describe('automatic-mail classification over real-world shaped messages', () => {
  for (const [folder, kind] of Object.entries(EXPECTED)) {
    const files = readdirSync(join(FIXTURES, folder)).filter((f) => f.endsWith('.eml'));
    it(`has a corpus for ${folder}`, () => expect(files.length).toBeGreaterThanOrEqual(3));
    for (const file of files) {
      it(`${folder}/${file} is ${kind ?? 'not automatic'}`, async () => {
        const verdict = await classify(join(FIXTURES, folder, file));
        expect(verdict.kind).toBe(kind);
        expect(verdict.reason.length).toBeGreaterThan(0);
      });
    }
  }

  it('names the header that decided', async () => {
    expect((await classify(join(FIXTURES, 'auto-reply/exchange-oof.eml'))).reason).toMatch(/^X-Auto-Response-Suppress: All/);
    expect((await classify(join(FIXTURES, 'auto-reply/exchange-rule-reply.eml'))).reason).toMatch(/^X-MS-Exchange-Generated-Message-Source: Mailbox Rules Agent/);
    expect((await classify(join(FIXTURES, 'bulk/mailman-list.eml'))).reason).toBe('Precedence: list');
    expect((await classify(join(FIXTURES, 'bulk/newsletter.eml'))).reason).toMatch(/^List-Unsubscribe: https:\/\/mail\.contoso\.example/);
    expect((await classify(join(FIXTURES, 'bounce/qmail-failure-notice.eml'))).reason).toMatch(/MAILER-DAEMON@mail\.example\.biz/);
  });
});
