/**
 * The big cases of the hostile-mail corpus, generated deterministically (the same bytes on
 * every run) instead of committed: megabytes of MIME in git would help nobody. The small,
 * hand-written cases are files in tools/hostile-mail/ (see its README for the advisories).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const MIB = 1024 * 1024;
const CRLF = '\r\n';

/** One message of the corpus: its name, what makes it hostile, and how to make its raw bytes (on demand: some are tens of MB). */
export interface HostileMail {
  name: string;
  description: string;
  build(): Buffer;
}

function head(subject: string, extra: string[] = []): string[] {
  return [
    'From: Hostile Sender <hostile@sender.test>',
    'To: victim@ours.test',
    `Subject: ${subject}`,
    'Date: Fri, 27 Nov 2026 10:00:00 +0000',
    `Message-ID: <${subject.toLowerCase().replace(/[^a-z0-9]+/g, '-')}@sender.test>`,
    'MIME-Version: 1.0',
    ...extra,
  ];
}

function mail(lines: string[]): Buffer {
  return Buffer.from(lines.join(CRLF) + CRLF, 'latin1');
}

/** `levels` multiparts, each the only child of the one before (a boundary per level). */
export function deepNesting(levels = 10_000): Buffer {
  const open: string[] = [];
  const close: string[] = [];
  for (let i = 0; i < levels; i++) {
    open.push(`Content-Type: multipart/mixed; boundary="n${i}"`, '', `--n${i}`);
    close.push(`--n${i}--`);
  }
  return mail([...head(`Nested ${levels} levels`, [open[0]]), ...open.slice(1), 'Content-Type: text/plain', '', 'the bottom', ...close.reverse()]);
}

/** One multipart with `count` tiny text parts side by side. */
export function siblingParts(count = 100_000): Buffer {
  const lines = head(`${count} sibling parts`, ['Content-Type: multipart/mixed; boundary="s"']);
  lines.push('');
  for (let i = 0; i < count; i++) lines.push('--s', 'Content-Type: text/plain', '', `part ${i}`);
  lines.push('--s--');
  return mail(lines);
}

/** One header field of about `bytes` bytes, folded into 76-character lines. */
export function hugeHeaderOneField(bytes = 10 * MIB): Buffer {
  const line = ` ${'h'.repeat(74)}`;
  const folds = Math.ceil(bytes / (line.length + 2));
  return mail([...head('One huge header field', ['X-Huge: start', ...Array<string>(folds).fill(line)]), '', 'body']);
}

/** About `bytes` bytes of header made of many short fields. */
export function hugeHeaderManyFields(bytes = 10 * MIB): Buffer {
  const fields: string[] = [];
  for (let i = 0, size = 0; size < bytes; i++) {
    const field = `X-Field-${i}: ${'v'.repeat(40)}`;
    fields.push(field);
    size += field.length + 2;
  }
  return mail([...head('Many header fields', fields), '', 'body']);
}

/** A To field with `count` addresses (the input of nodemailer's quadratic addressparser, GHSA-2x7j-588g-ccc2). */
export function manyRecipients(count = 50_000): Buffer {
  const to = Array.from({ length: count }, (_, i) => `u${i}@r.test`).join(',');
  const lines = head(`${count} recipients`).filter((l) => !l.startsWith('To:'));
  return mail([...lines, `To: ${to}`, '', 'hello everyone']);
}

/** Deterministic, incompressible-looking bytes. */
function pattern(bytes: number): Buffer {
  const out = Buffer.allocUnsafe(bytes);
  let x = 0x2545f491;
  for (let i = 0; i < bytes; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5; // xorshift32
    out[i] = x & 0xff;
  }
  return out;
}

function base64Lines(content: Buffer): string[] {
  const b64 = content.toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 76) lines.push(b64.slice(i, i + 76));
  return lines;
}

/** A message with one attachment of `bytes` bytes (base64: the message is about 1.37 × that). */
export function bigAttachment(bytes = 30 * MIB): Buffer {
  return mail([
    ...head('A big attachment', ['Content-Type: multipart/mixed; boundary="a"']), '',
    '--a', 'Content-Type: text/plain; charset=utf-8', '', 'see attached', '',
    '--a', 'Content-Type: application/octet-stream; name="big.bin"', 'Content-Disposition: attachment; filename="big.bin"',
    'Content-Transfer-Encoding: base64', '', ...base64Lines(pattern(bytes)), '--a--',
  ]);
}

/** A plain message of exactly `capBytes + 1` bytes: one byte over a raw size cap. */
export function overSizeCap(capBytes: number): Buffer {
  const top = mail([...head('One byte over the cap'), '']);
  const body = Buffer.alloc(capBytes + 1 - top.length, 'x');
  for (let i = 76; i < body.length - 2; i += 78) body.write(CRLF, i, 'latin1');
  return Buffer.concat([top, body]);
}

/**
 * A text body that makes linkify quadratic: many `mailto:` occurrences (linkify-it
 * GHSA-v245-v573-v5vm) and a long run that keeps its match scan restarting
 * (GHSA-22p9-wv53-3rq4), as mailparser linkifies text when it makes HTML from it.
 */
export function linkifyPathological(bytes = 2 * MIB): Buffer {
  const unit = 'mailto:a';
  const mailtos = 'mailto:'.repeat(Math.floor(bytes / 2 / 7));
  const run = `${unit}${'a.'.repeat(Math.floor(bytes / 4))}@`;
  return mail([...head('Linkify pathological', ['Content-Type: text/plain; charset=us-ascii']), '', mailtos, run]);
}

/** Address fields nested as groups `depth` deep (nodemailer addressparser recursion, GHSA-rcmh-qjqh-p98v / CVE-2025-14874). */
export function nestedAddressGroups(depth = 50_000): Buffer {
  const lines = head('Nested address groups').filter((l) => !l.startsWith('To:'));
  return mail([...lines, `To: ${'g:'.repeat(depth)}victim@ours.test${';'.repeat(depth)}`, '', 'groups']);
}

/** HTML only (the text is made from it): tags nested `depth` deep and an <img> whose data: URL is the old nodemailer ReDoS (GHSA-9h6g-pr28-7cqp). */
export function pathologicalHtml(depth = 100_000): Buffer {
  const img = `<img src="data:${';'.repeat(200_000)}">`;
  return mail([
    ...head('Pathological HTML', ['Content-Type: text/html; charset=utf-8']), '',
    `<html><body>${'<div>'.repeat(depth)}deep${'</div>'.repeat(depth)}${img}</body></html>`,
  ]);
}

/** The generated cases at their full (issue 6) sizes; `capBytes`: the raw size cap to go over. */
export function generatedHostileMail(capBytes: number): HostileMail[] {
  return [
    { name: 'nested-10000', description: '10,000 nested multipart levels', build: () => deepNesting() },
    { name: 'siblings-100000', description: '100,000 sibling parts', build: () => siblingParts() },
    { name: 'header-one-field-10mb', description: 'a 10 MB header: one field', build: () => hugeHeaderOneField() },
    { name: 'header-many-fields-10mb', description: 'a 10 MB header: many fields', build: () => hugeHeaderManyFields() },
    { name: 'recipients-50000', description: '50,000 recipients in To', build: () => manyRecipients() },
    { name: 'linkify-2mb', description: 'linkify-it quadratic mailto: scan (2 MB of text)', build: () => linkifyPathological() },
    { name: 'address-groups-50000', description: 'addressparser group recursion, 50,000 deep', build: () => nestedAddressGroups() },
    { name: 'html-nested-100000', description: 'HTML-only body nested 100,000 deep, data: URL ReDoS string', build: () => pathologicalHtml() },
    { name: 'attachment-30mb', description: 'a 30 MB attachment (under the cap)', build: () => bigAttachment() },
    { name: 'over-cap', description: `one byte over the ${capBytes}-byte raw size cap`, build: () => overSizeCap(capBytes) },
  ];
}

/** The hand-written fixtures of tools/hostile-mail (`*.eml`), by file name. */
export function hostileMailFixtures(dir = join(__dirname, '../../../../tools/hostile-mail')): HostileMail[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.eml'))
    .sort()
    .map((f) => ({ name: f.replace(/\.eml$/, ''), description: `fixture ${f}`, build: () => readFileSync(join(dir, f)) }));
}
