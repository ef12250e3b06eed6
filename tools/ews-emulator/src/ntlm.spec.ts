// The EWS EMULATOR's NTLM server side, against MS-NLMP's published test values and against the
// client ews-javascript-api really uses (@ewsjs/ntlm-client).
import { createHmac } from 'node:crypto';
import { createChallengeMessage, md4, ntHash, ntlmMessageType, ntowfv2, parseAuthenticateMessage, verifyNtlmV2 } from './ntlm';

// @ewsjs/ntlm-client (under @ewsjs/xhr) ships no type declarations: the slice used here, typed.
interface Type2 { version: number; challenge: Buffer; targetName: string; targetInfo: { parsed: Record<string, string> } }
// eslint-disable-next-line @typescript-eslint/no-require-imports
const client = require('@ewsjs/ntlm-client') as {
  createType1Message(workstation: string, domain: string): string;
  decodeType2Message(header: string): Type2;
  createType3Message(type2: Type2, user: string, password: string, workstation: string, domain: string): string;
};
const { createType1Message, createType3Message, decodeType2Message } = client;

const hex = (b: Buffer) => b.toString('hex');

describe('MD4 (RFC 1320 test suite)', () => {
  it.each([
    ['', '31d6cfe0d16ae931b73c59d7e0c089c0'],
    ['a', 'bde52cb31de33e46245e05fbdbd6fb24'],
    ['abc', 'a448017aaf21d8525fc10ae87aa6729d'],
    ['message digest', 'd9130a8164549fe818874806e1c7014b'],
    ['12345678901234567890123456789012345678901234567890123456789012345678901234567890', 'e33b4ddc9c38f2199c3e7b164fcc0536'],
  ])('md4(%j)', (input, digest) => {
    expect(hex(md4(Buffer.from(input, 'latin1')))).toBe(digest);
  });
});

describe('MS-NLMP 4.2 test values', () => {
  it('NTOWFv1("Password")', () => {
    expect(hex(ntHash('Password'))).toBe('a4f49c406510bdcab6824ee7c30fd852');
  });
  it('NTOWFv2("Password", "User", "Domain") and the NTProofStr of 4.2.4', () => {
    const key = ntowfv2('Password', 'User', 'Domain');
    expect(hex(key)).toBe('0c868a403bfd7a93a3001ef22ef02e3f');
    const av = Buffer.from('02000c0044006f006d00610069006e0001000c005300650072007600650072000000000000000000', 'hex');
    const temp = Buffer.concat([Buffer.from('0101000000000000', 'hex'), Buffer.alloc(8), Buffer.alloc(8, 0xaa), Buffer.alloc(4), av]);
    const proof = createHmac('md5', key).update(Buffer.concat([Buffer.from('0123456789abcdef', 'hex'), temp])).digest();
    expect(hex(proof)).toBe('68cd0ab851e51c96aabc927bebef6a1c');
    const auth = { user: 'User', domain: 'Domain', workstation: '', ntResponse: Buffer.concat([proof, temp]) };
    expect(verifyNtlmV2(auth, Buffer.from('0123456789abcdef', 'hex'), 'Password')).toBe(true);
    expect(verifyNtlmV2(auth, Buffer.from('0123456789abcdef', 'hex'), 'password')).toBe(false);
  });
});

describe('handshake with @ewsjs/ntlm-client', () => {
  const type3For = (password: string, challengeMessage: Buffer, user = 'anna', domain = 'CONTOSO') => {
    const type2 = decodeType2Message(`NTLM ${challengeMessage.toString('base64')}`);
    return Buffer.from(createType3Message(type2, user, password, 'WS01', domain).slice(5), 'base64');
  };

  it('reads the client NEGOTIATE_MESSAGE as type 1', () => {
    expect(ntlmMessageType(Buffer.from(createType1Message('WS01', 'CONTOSO').slice(5), 'base64'))).toBe(1);
  });

  it('the client understands our CHALLENGE_MESSAGE as NTLMv2 with target info', () => {
    const { message, challenge } = createChallengeMessage('CONTOSO', 'EXCH01');
    const parsed = decodeType2Message(`NTLM ${message.toString('base64')}`);
    expect(parsed.version).toBe(2);
    expect(parsed.challenge.equals(challenge)).toBe(true);
    expect(parsed.targetName).toBe('CONTOSO');
    expect(parsed.targetInfo.parsed).toMatchObject({ DOMAIN: 'CONTOSO', SERVER: 'EXCH01' });
  });

  it('verifies the right password and refuses a wrong one or another challenge', () => {
    const { message, challenge } = createChallengeMessage('CONTOSO', 'EXCH01');
    const good = parseAuthenticateMessage(type3For('s3cret', message));
    expect(good).toMatchObject({ user: 'anna', domain: 'CONTOSO', workstation: 'WS01' });
    expect(verifyNtlmV2(good, challenge, 's3cret')).toBe(true);
    expect(verifyNtlmV2(parseAuthenticateMessage(type3For('wrong', message)), challenge, 's3cret')).toBe(false);
    expect(verifyNtlmV2(good, Buffer.alloc(8), 's3cret')).toBe(false);
  });

  it('rejects a truncated AUTHENTICATE_MESSAGE with a reason', () => {
    const { message } = createChallengeMessage('CONTOSO', 'EXCH01');
    const msg = type3For('s3cret', message);
    msg.writeUInt32LE(5000, 24);
    expect(() => parseAuthenticateMessage(msg)).toThrow(/runs past the message/);
    expect(() => parseAuthenticateMessage(Buffer.from('hello'))).toThrow(/not an NTLM AUTHENTICATE_MESSAGE/);
  });
});
