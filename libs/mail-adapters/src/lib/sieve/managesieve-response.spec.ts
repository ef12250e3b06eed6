import {
  ManageSieveProtocolError, ManageSieveResponseTooLargeError, manageSieveLiteral, parseManageSieveResponse, quoteManageSieveString,
} from './managesieve-response';

const parse = (s: string | Buffer, max = 1024 * 1024) => parseManageSieveResponse(Buffer.isBuffer(s) ? s : Buffer.from(s, 'utf8'), max);

describe('ManageSieve responses (RFC 5804)', () => {
  const greeting = '"IMPLEMENTATION" "Dovecot Pigeonhole"\r\n"SIEVE" "fileinto editheader"\r\n"SASL" "PLAIN LOGIN"\r\n"STARTTLS"\r\n"VERSION" "1.0"\r\nOK "Dovecot ready."\r\n';

  it('reads the greeting: capability lines, then OK with the server text', () => {
    const r = parse(greeting);
    expect(r?.consumed).toBe(Buffer.byteLength(greeting));
    expect(r?.response).toEqual({
      status: 'OK', text: 'Dovecot ready.',
      lines: [['IMPLEMENTATION', 'Dovecot Pigeonhole'], ['SIEVE', 'fileinto editheader'], ['SASL', 'PLAIN LOGIN'], ['STARTTLS'], ['VERSION', '1.0']],
    });
  });

  it('waits for more bytes when the response is cut anywhere, and consumes only one response', () => {
    for (let cut = 0; cut < greeting.length; cut++) expect(parse(greeting.slice(0, cut))).toBeNull();
    const two = `${greeting}OK "next"\r\n`;
    expect(parse(two)?.consumed).toBe(Buffer.byteLength(greeting));
  });

  it('reads a script literal (GETSCRIPT) counted in bytes, with UTF-8 and CRLF inside', () => {
    const script = 'require "fileinto";\r\n# für\r\nkeep;\r\n';
    const wire = Buffer.concat([Buffer.from(`{${Buffer.byteLength(script)}}\r\n`), Buffer.from(script), Buffer.from('\r\nOK "Getscript completed."\r\n')]);
    const r = parse(wire);
    expect(r?.response.lines).toEqual([[script]]);
    expect(r?.response.text).toBe('Getscript completed.');
    expect(parse(wire.subarray(0, wire.length - 30))).toBeNull();
  });

  it('reads LISTSCRIPTS with the ACTIVE atom, and NO with a response code and escaped text', () => {
    expect(parse('"mine"\r\n"mailrouter-forward" ACTIVE\r\nOK "Listscripts completed."\r\n')?.response.lines)
      .toEqual([['mine'], ['mailrouter-forward', 'ACTIVE']]);
    expect(parse('NO (NONEXISTENT) "Script \\"x\\" does not exist."\r\n')?.response)
      .toEqual({ status: 'NO', code: 'NONEXISTENT', text: 'Script "x" does not exist.', lines: [] });
    expect(parse('no (sasl "c2FzbA==") "Authentication failed."\r\n')?.response)
      .toMatchObject({ status: 'NO', code: 'SASL', codeArgs: ['c2FzbA=='], text: 'Authentication failed.' });
    expect(parse('OK (WARNINGS) "line 2: unused"\r\n')?.response).toMatchObject({ status: 'OK', code: 'WARNINGS', text: 'line 2: unused' });
    expect(parse('BYE "Too many invalid commands."\r\n')?.response).toMatchObject({ status: 'BYE', text: 'Too many invalid commands.' });
    expect(parse('OK\r\n')?.response).toEqual({ status: 'OK', text: '', lines: [] });
  });

  it('reads a text sent as a literal', () => {
    expect(parse('NO {13}\r\nline1\r\nline2.\r\n')?.response.text).toBe('line1\r\nline2.');
  });

  it('refuses what exceeds the size limit, and malformed input, with a clear error', () => {
    expect(() => parse('{5000}\r\n', 1000)).toThrow(ManageSieveResponseTooLargeError);
    expect(() => parse(`"${'x'.repeat(2000)}`, 1000)).toThrow(/exceeds 1000 bytes/);
    expect(() => parse('"a\r\nb"\r\nOK\r\n')).toThrow(ManageSieveProtocolError);
    expect(() => parse('{x}\r\n')).toThrow(/bad literal length/);
    expect(() => parse('{3}xxabc\r\n')).toThrow(/not followed by CRLF/);
  });

  it('quotes strings and builds non-synchronising literals', () => {
    expect(quoteManageSieveString('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(() => quoteManageSieveString('a\r\nb')).toThrow(/CR, LF/);
    expect(manageSieveLiteral('für\r\n').toString('utf8')).toBe('{6+}\r\nfür\r\n');
  });
});
