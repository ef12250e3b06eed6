import { generateKeyPairSync } from 'node:crypto';
import { dkimSign, dkimVerify } from 'mailauth';
import { authenticateMessage, dkimInput } from './authenticate-message';

/** A DNS of our own (this machine has none): TXT records by name; anything else does not exist. */
function testResolver(records: Record<string, string>, calls: string[] = []) {
  return async (name: string, rrtype: string): Promise<string[][]> => {
    calls.push(`${rrtype} ${name}`);
    const record = rrtype === 'TXT' ? records[name.toLowerCase()] : undefined;
    if (record === undefined) throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
    return [[record]];
  };
}

function dkimKey() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    record: `v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`,
  };
}

function message(from: string, extraHeaders: string[] = [], body = 'Please find the offer attached.\r\n'): Buffer {
  return Buffer.from(
    [
      ...extraHeaders,
      `From: ${from}`,
      'To: sales@ours.test',
      'Subject: Offer',
      'Date: Tue, 10 Nov 2026 09:00:00 +0000',
      `Message-ID: <${Math.random().toString(36).slice(2)}@mail.test>`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      '',
      body,
    ].join('\r\n'),
  );
}

async function signed(raw: Buffer, domain: string, privateKey: string): Promise<Buffer> {
  // Signed a minute ago, as mail arrives: mailauth rounds t= to the second and rejects a
  // signature "from the future", which a sign-and-verify within one second can look like.
  const { signatures, errors } = await dkimSign(raw, {
    signingDomain: domain, selector: 's1', privateKey, signTime: new Date(Date.now() - 60_000),
    signatureData: [{ signingDomain: domain, selector: 's1', privateKey }],
  });
  expect(signatures).toContain(`d=${domain}`);
  expect(errors).toEqual([]);
  return Buffer.concat([Buffer.from(signatures), raw]);
}

describe('authenticateMessage', () => {
  const good = dkimKey();
  const evil = dkimKey();
  const records = {
    's1._domainkey.contoso.test': good.record,
    '_dmarc.contoso.test': 'v=DMARC1; p=reject; rua=mailto:dmarc@contoso.test',
    's1._domainkey.evil.test': evil.record,
    '_dmarc.evil.test': 'v=DMARC1; p=none',
    'contoso.test': 'v=spf1 ip4:192.0.2.10 -all',
  };

  it('passes a message signed by its own From domain (DKIM aligned, p=reject)', async () => {
    const raw = await signed(message('Dana <dana@contoso.test>'), 'contoso.test', good.privateKey);
    const result = await authenticateMessage(raw, { resolver: testResolver(records) });
    expect(result).toMatchObject({ dmarc: 'pass', dkim: 'pass', spf: 'none', fromDomain: 'contoso.test', policy: 'reject' });
    expect(result.summary).toContain('dmarc=pass');
  });

  it('fails a spoofed From of a p=reject domain that is not signed at all', async () => {
    const result = await authenticateMessage(message('CEO <ceo@contoso.test>'), { resolver: testResolver(records) });
    expect(result).toMatchObject({ dmarc: 'fail', dkim: 'none', fromDomain: 'contoso.test', policy: 'reject' });
  });

  it('fails a spoofed From signed (validly) by another domain', async () => {
    const raw = await signed(message('CEO <ceo@contoso.test>'), 'evil.test', evil.privateKey);
    const result = await authenticateMessage(raw, { resolver: testResolver(records) });
    expect(result).toMatchObject({ dmarc: 'fail', dkim: 'pass', fromDomain: 'contoso.test' });
    expect(result.summary).toContain('evil.test=pass');
  });

  it('fails a message whose body was changed after signing', async () => {
    const raw = await signed(message('Dana <dana@contoso.test>'), 'contoso.test', good.privateKey);
    const tampered = Buffer.from(raw.toString().replace('the offer', 'new bank details'));
    const result = await authenticateMessage(tampered, { resolver: testResolver(records) });
    // mailauth reports a body hash mismatch as `neutral` (RFC 6376 permits either): never `pass`.
    expect(result.dmarc).toBe('fail');
    expect(['fail', 'neutral']).toContain(result.dkim);
  });

  it('says none for a domain without a DMARC record', async () => {
    const result = await authenticateMessage(message('someone@nodmarc.test'), { resolver: testResolver(records) });
    expect(result).toMatchObject({ dmarc: 'none', fromDomain: 'nodmarc.test' });
  });

  it('evaluates SPF with the connecting IP: an aligned SPF pass is a DMARC pass, a foreign IP a fail', async () => {
    const raw = message('Dana <dana@contoso.test>');
    const from = await authenticateMessage(raw, { resolver: testResolver(records), ip: '192.0.2.10', sender: 'bounces@contoso.test', helo: 'mail.contoso.test' });
    expect(from).toMatchObject({ dmarc: 'pass', spf: 'pass', dkim: 'none' });
    const foreign = await authenticateMessage(raw, { resolver: testResolver(records), ip: '198.51.100.7', sender: 'bounces@contoso.test', helo: 'mx.evil.test' });
    expect(foreign).toMatchObject({ dmarc: 'fail', spf: 'fail' });
  });

  it('answers temperror when DNS never answers, instead of hanging', async () => {
    const silent = () => new Promise<never>(() => undefined);
    const result = await authenticateMessage(message('dana@contoso.test'), { resolver: silent, timeoutMs: 300 });
    expect(result).toMatchObject({ dmarc: 'temperror', fromDomain: 'contoso.test' });
    expect(result.summary).toMatch(/^temperror: no answer within 300 ms/);
  });

  it('answers temperror when the DMARC lookup fails temporarily', async () => {
    const resolver = async (name: string) => {
      throw Object.assign(new Error(`queryTxt ESERVFAIL ${name}`), { code: 'ESERVFAIL' });
    };
    const result = await authenticateMessage(message('dana@contoso.test'), { resolver });
    expect(result.dmarc).toBe('temperror');
  });

  describe('Authentication-Results of a trusted receiving server', () => {
    const arPass = 'Authentication-Results: mx.ours.test; dkim=pass (2048-bit key) header.d=contoso.test header.s=s1;\r\n spf=pass (domain of bounces@contoso.test designates 192.0.2.10) smtp.mailfrom=bounces@contoso.test;\r\n dmarc=pass (p=REJECT) header.from=contoso.test';

    it('is believed without any DNS lookup', async () => {
      const calls: string[] = [];
      const result = await authenticateMessage(message('Dana <dana@contoso.test>', [arPass]), { resolver: testResolver(records, calls), trustedAuthservIds: ['MX.ours.test'] });
      expect(result).toMatchObject({ dmarc: 'pass', dkim: 'pass', spf: 'pass', fromDomain: 'contoso.test' });
      expect(result.summary).toContain('trusted mx.ours.test');
      expect(calls).toEqual([]);
    });

    it('reports the trusted server\'s fail', async () => {
      const arFail = 'Authentication-Results: mx.ours.test; dkim=none; spf=fail smtp.mailfrom=contoso.test; dmarc=fail (p=REJECT) header.from=contoso.test';
      const result = await authenticateMessage(message('CEO <ceo@contoso.test>', [arFail]), { resolver: testResolver(records), trustedAuthservIds: ['mx.ours.test'] });
      expect(result).toMatchObject({ dmarc: 'fail', spf: 'fail', dkim: 'none' });
    });

    it('is ignored when written by a server we do not trust (a forged "pass" on an unsigned spoof)', async () => {
      const forged = arPass.replace('mx.ours.test', 'mx.evil.test');
      const result = await authenticateMessage(message('CEO <ceo@contoso.test>', [forged]), { resolver: testResolver(records), trustedAuthservIds: ['mx.ours.test'] });
      expect(result).toMatchObject({ dmarc: 'fail', dkim: 'none' });
      expect(result.summary).toMatch(/^evaluated/);
    });

    it('is ignored when it speaks of another From domain', async () => {
      const result = await authenticateMessage(message('CEO <ceo@contoso.test>', [arPass.replace('header.from=contoso.test', 'header.from=evil.test')]), {
        resolver: testResolver(records),
        trustedAuthservIds: ['mx.ours.test'],
      });
      expect(result.dmarc).toBe('fail');
    });
  });

  it('fails a message with two From domains (a DMARC evasion)', async () => {
    const raw = message('ceo@contoso.test, friend@evil.test');
    expect((await authenticateMessage(raw, { resolver: testResolver(records) })).dmarc).toBe('fail');
  });

  describe('what DKIM verification reads (dkimInput)', () => {
    it('reads only the header of an unsigned message, with the same result as the whole message', async () => {
      const raw = message('Bob <bob@contoso.test>', [], 'line one\r\n'.repeat(5000));
      const header = dkimInput(raw);
      expect(header.length).toBe(raw.indexOf('\r\n\r\n') + 4);
      const opts = { resolver: testResolver(records) as never };
      const [whole, part] = [await dkimVerify(raw, opts), await dkimVerify(header, opts)];
      expect(part.results.map((r) => r.status)).toEqual(whole.results.map((r) => r.status));
      expect(part.headerFrom).toEqual(whole.headerFrom);
    });

    it('reads the whole of a signed message (DKIM-Signature or ARC set) and of one with a bare-LF blank line', async () => {
      const raw = message('Bob <bob@contoso.test>');
      expect(dkimInput(await signed(raw, 'contoso.test', good.privateKey))).toHaveLength((await signed(raw, 'contoso.test', good.privateKey)).length);
      expect(dkimInput(Buffer.concat([Buffer.from('ARC-Seal: i=1; a=rsa-sha256; d=x.test\r\n'), raw]))).toHaveLength(raw.length + 39);
      expect(dkimInput(Buffer.from('From: a@b.test\nSubject: x\n\nbody\n')).toString()).toBe('From: a@b.test\nSubject: x\n\n');
    });
  });
});
