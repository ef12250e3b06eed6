import { randomBytes } from 'node:crypto';
import { FORWARDED_FOR_HEADER } from '@mailrouter/domain';
import { forwardRuleToken, SecretKeyring } from '@mailrouter/platform';
import { buildMime } from '@mailrouter/testing';
import { findAttachedMessages, headerValues, topHeaderValues, verifyForwardedFor } from './forward-unwrap';
import { describeForward } from './decision-words';

const inner = (n: number) => buildMime({ from: 'bob@acme.test', to: 'alice@ours.test', subject: `Inner ${n}`, text: `body ${n} für`, messageId: `<in${n}@acme.test>`,
  attachments: [{ filename: 'own.eml', content: 'From: x@y.test\r\nSubject: nested\r\n\r\nnested\r\n', contentType: 'message/rfc822' }] });

async function wrapper(count: number): Promise<Buffer> {
  const attachments = await Promise.all(Array.from({ length: count }, async (_, i) => ({
    filename: `m${i + 1}.eml`, content: await inner(i + 1), contentType: 'message/rfc822',
  })));
  return buildMime({ from: 'Alice <alice@ours.test>', to: 'crm@ours.test', subject: 'FW: stuff', text: 'see attached', attachments });
}

/** A wrapper whose attached message is transfer-encoded (as some clients send it). */
function encodedWrapper(message: Buffer, encoding: 'base64' | 'quoted-printable'): Buffer {
  const body = encoding === 'base64'
    ? message.toString('base64').replace(/.{76}/g, '$&\r\n')
    : message.toString('latin1').replace(/=/g, '=3D').replace(/[^\r\n]{70}/g, '$&=\r\n');
  return Buffer.from([
    'From: alice@ours.test', 'To: crm@ours.test', 'Subject: FW', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b1"', '',
    '--b1', 'Content-Type: text/plain', '', 'see attached', '--b1', 'Content-Type: message/rfc822', `Content-Transfer-Encoding: ${encoding}`,
    'Content-Disposition: attachment; filename="m.eml"', '', body, '--b1--', '',
  ].join('\r\n'), 'latin1');
}

describe('forward mailbox unwrapping', () => {
  it('finds each attached message, and not the messages attached to them', async () => {
    const raw = await wrapper(2);
    const { messages, skipped } = findAttachedMessages(raw);
    expect(skipped).toBe(0);
    expect(messages.map((m) => topHeaderValues(m, 'subject')[0])).toEqual(['Inner 1', 'Inner 2']);
    expect(topHeaderValues(messages[1], 'message-id')).toEqual(['<in2@acme.test>']);
    // the attached message's own attachment stays inside it
    expect(findAttachedMessages(messages[0]).messages.map((m) => topHeaderValues(m, 'subject')[0])).toEqual(['nested']);
  });

  it('decodes base64 and quoted-printable attached messages', async () => {
    const original = await inner(1);
    for (const enc of ['base64', 'quoted-printable'] as const) {
      const [m] = findAttachedMessages(encodedWrapper(original, enc)).messages;
      expect(m.equals(original)).toBe(true);
    }
  });

  it('takes at most max messages and counts the rest', async () => {
    const { messages, skipped } = findAttachedMessages(await wrapper(5), 3);
    expect(messages).toHaveLength(3);
    expect(skipped).toBe(2);
  });

  it('a plain message or a message with ordinary attachments has none', async () => {
    expect(findAttachedMessages(await buildMime({ from: 'a@b.test', to: 'c@d.test', subject: 's', text: 't' })).messages).toEqual([]);
    const withFile = await buildMime({ from: 'a@b.test', to: 'c@d.test', subject: 's', text: 't', attachments: [{ filename: 'x.txt', content: 'x' }] });
    expect(findAttachedMessages(withFile).messages).toEqual([]);
    // a top-level message/rfc822 is not "attached"
    expect(findAttachedMessages(Buffer.from('Content-Type: message/rfc822\r\n\r\nSubject: x\r\n\r\ny\r\n')).messages).toEqual([]);
  });

  it('reads unfolded header values, every occurrence', () => {
    expect(headerValues('Subject: a\r\n b\r\nX-A: 1\r\nx-a: 2', 'X-A')).toEqual(['1', '2']);
    expect(headerValues('Subject: a\r\n b', 'subject')).toEqual(['a b']);
  });
});

describe('forwarded-for token', () => {
  const key = randomBytes(32);
  const fwd = 'crm@ours.test';
  const token = forwardRuleToken(key, fwd, 'alice@ours.test');

  it('believes a token computed for this forward mailbox and user', () => {
    expect(verifyForwardedFor([`Alice@Ours.test; token=${token}`], fwd, key)).toEqual({ status: 'valid', user: 'alice@ours.test' });
    expect(verifyForwardedFor([], fwd, key)).toEqual({ status: 'absent' });
  });

  it('does not believe another user, another forward mailbox, another key, a bad shape, two headers, or no key', () => {
    const bad = (values: string[], k: Buffer = key, f = fwd) => verifyForwardedFor(values, f, k);
    expect(bad([`ceo@ours.test; token=${token}`])).toMatchObject({ status: 'invalid', user: 'ceo@ours.test', why: expect.stringMatching(/not written by a rule this router deployed/) });
    expect(bad([`alice@ours.test; token=${token}`], key, 'other@ours.test')).toMatchObject({ status: 'invalid' });
    expect(bad([`alice@ours.test; token=${token}`], randomBytes(32))).toMatchObject({ status: 'invalid' });
    expect(bad([`alice@ours.test; token=${token.slice(1)}`])).toMatchObject({ status: 'invalid' });
    expect(bad(['alice@ours.test'])).toMatchObject({ status: 'invalid', why: expect.stringMatching(/is not "<address>; token=<token>"/) });
    expect(bad([`alice@ours.test; token=${token}`, `alice@ours.test; token=${token}`])).toMatchObject({ status: 'invalid', why: expect.stringMatching(/2 forwarded-for headers/) });
    expect(verifyForwardedFor([`alice@ours.test; token=${token}`], fwd, undefined)).toMatchObject({ status: 'invalid', why: expect.stringMatching(/no ROUTER_SECRET_KEY/) });
  });

  it('after a key rotation, believes tokens of rules deployed under a previous key of the ring, and only while it is in the ring', () => {
    const next = new SecretKeyring({ key: randomBytes(32), id: 'next' }, [{ key, id: 'old' }]);
    expect(verifyForwardedFor([`alice@ours.test; token=${token}`], fwd, next)).toEqual({ status: 'valid', user: 'alice@ours.test' });
    expect(verifyForwardedFor([`alice@ours.test; token=${forwardRuleToken(next, fwd, 'alice@ours.test')}`], fwd, next)).toEqual({ status: 'valid', user: 'alice@ours.test' });
    const oldRemoved = new SecretKeyring({ key: next.current.key, id: 'next' });
    expect(verifyForwardedFor([`alice@ours.test; token=${token}`], fwd, oldRemoved)).toMatchObject({ status: 'invalid' });
  });

  it('reads the header from a raw message', () => {
    const raw = Buffer.from(`From: bob@acme.test\r\n${FORWARDED_FOR_HEADER.toLowerCase()}: alice@ours.test;\r\n token=${token}\r\nSubject: x\r\n\r\nbody ${FORWARDED_FOR_HEADER}: no\r\n`);
    expect(verifyForwardedFor(topHeaderValues(raw, FORWARDED_FOR_HEADER), fwd, key)).toEqual({ status: 'valid', user: 'alice@ours.test' });
  });
});

describe('forward summary words', () => {
  it('lists each attached message and what was skipped', () => {
    expect(describeForward('alice@ours.test', [
      { outcome: 'tracked', reason: 'accept-all', reasonText: '', activityId: 'a1' },
      { outcome: 'ignored', reason: 'duplicate', reasonText: '' },
    ], 3, 2)).toBe('forward from alice@ours.test: 2 attached messages tracked as alice@ours.test\'s mail: #1 tracked (accept-all, activity a1), #2 ignored (duplicate); 3 more attached messages skipped (at most 2 are taken from one forward)');
  });
});
