/**
 * NTLM for the EWS EMULATOR: the server side of MS-NLMP's connection-oriented handshake
 * (NEGOTIATE_MESSAGE → CHALLENGE_MESSAGE → AUTHENTICATE_MESSAGE) with the NTLMv2 response checked
 * against the user's password, as IIS does for Exchange's /EWS virtual directory.
 * https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-nlmp/
 *
 * NTLMv1 responses are refused, as a domain with LmCompatibilityLevel 5 refuses them.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** MD4 (RFC 1320): the NT hash needs it and OpenSSL 3 no longer offers it to Node by default. */
export function md4(input: Buffer): Buffer {
  const len = input.length;
  const padded = Buffer.alloc((((len + 8) >> 6) + 1) * 64);
  input.copy(padded);
  padded[len] = 0x80;
  padded.writeUInt32LE((len * 8) >>> 0, padded.length - 8);
  padded.writeUInt32LE(Math.floor(len / 0x20000000), padded.length - 4);
  let [a, b, c, d] = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];
  const rotl = (x: number, n: number) => ((x << n) | (x >>> (32 - n))) >>> 0;
  const F = (x: number, y: number, z: number) => (x & y) | (~x & z);
  const G = (x: number, y: number, z: number) => (x & y) | (x & z) | (y & z);
  const H = (x: number, y: number, z: number) => x ^ y ^ z;
  for (let off = 0; off < padded.length; off += 64) {
    const X = Array.from({ length: 16 }, (_, i) => padded.readUInt32LE(off + i * 4));
    const [aa, bb, cc, dd] = [a, b, c, d];
    const r1 = [3, 7, 11, 19];
    for (let i = 0; i < 16; i++) {
      const t = rotl((a + F(b, c, d) + X[i]) >>> 0, r1[i % 4]);
      [a, b, c, d] = [d, t, b, c];
    }
    const r2 = [3, 5, 9, 13];
    const o2 = [0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15];
    for (let i = 0; i < 16; i++) {
      const t = rotl((a + G(b, c, d) + X[o2[i]] + 0x5a827999) >>> 0, r2[i % 4]);
      [a, b, c, d] = [d, t, b, c];
    }
    const r3 = [3, 9, 11, 15];
    const o3 = [0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15];
    for (let i = 0; i < 16; i++) {
      const t = rotl((a + H(b, c, d) + X[o3[i]] + 0x6ed9eba1) >>> 0, r3[i % 4]);
      [a, b, c, d] = [d, t, b, c];
    }
    [a, b, c, d] = [(a + aa) >>> 0, (b + bb) >>> 0, (c + cc) >>> 0, (d + dd) >>> 0];
  }
  const out = Buffer.alloc(16);
  [a, b, c, d].forEach((w, i) => out.writeUInt32LE(w, i * 4));
  return out;
}

/** NTOWFv1: MD4 of the UTF-16LE password. */
export function ntHash(password: string): Buffer {
  return md4(Buffer.from(password, 'utf16le'));
}

/** NTOWFv2 (MS-NLMP 3.3.2): HMAC-MD5(NT hash, UTF-16LE(UPPER(user) + domain)). */
export function ntowfv2(password: string, user: string, domain: string): Buffer {
  return createHmac('md5', ntHash(password)).update(Buffer.from(user.toUpperCase() + domain, 'utf16le')).digest();
}

const SIGNATURE = Buffer.from('NTLMSSP\0', 'ascii');
export const FLAG = {
  UNICODE: 0x1, OEM: 0x2, REQUEST_TARGET: 0x4, NTLM: 0x200, ALWAYS_SIGN: 0x8000,
  TARGET_TYPE_DOMAIN: 0x10000, EXTENDED_SESSIONSECURITY: 0x80000, TARGET_INFO: 0x800000,
} as const;

export type NtlmMessageType = 1 | 2 | 3;

export function ntlmMessageType(msg: Buffer): NtlmMessageType | undefined {
  if (msg.length < 12 || !msg.subarray(0, 8).equals(SIGNATURE)) return undefined;
  const t = msg.readUInt32LE(8);
  return t === 1 || t === 2 || t === 3 ? t : undefined;
}

function avPair(id: number, value: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt16LE(id, 0);
  head.writeUInt16LE(value.length, 2);
  return Buffer.concat([head, value]);
}

/** CHALLENGE_MESSAGE (MS-NLMP 2.2.1.2) with a fresh 8-byte server challenge and target info. */
export function createChallengeMessage(domain: string, server: string, challenge: Buffer = randomBytes(8)): { message: Buffer; challenge: Buffer } {
  const targetName = Buffer.from(domain.toUpperCase(), 'utf16le');
  const timestamp = Buffer.alloc(8);
  timestamp.writeBigUInt64LE((BigInt(Date.now()) + 11644473600000n) * 10000n);
  const targetInfo = Buffer.concat([
    avPair(2, Buffer.from(domain.toUpperCase(), 'utf16le')),
    avPair(1, Buffer.from(server.toUpperCase(), 'utf16le')),
    avPair(4, Buffer.from(domain.toLowerCase(), 'utf16le')),
    avPair(3, Buffer.from(server.toLowerCase(), 'utf16le')),
    avPair(7, timestamp),
    avPair(0, Buffer.alloc(0)),
  ]);
  const header = Buffer.alloc(48);
  SIGNATURE.copy(header, 0);
  header.writeUInt32LE(2, 8);
  header.writeUInt16LE(targetName.length, 12);
  header.writeUInt16LE(targetName.length, 14);
  header.writeUInt32LE(48, 16);
  const flags = FLAG.UNICODE | FLAG.REQUEST_TARGET | FLAG.NTLM | FLAG.ALWAYS_SIGN | FLAG.TARGET_TYPE_DOMAIN | FLAG.EXTENDED_SESSIONSECURITY | FLAG.TARGET_INFO;
  header.writeUInt32LE(flags >>> 0, 20);
  challenge.copy(header, 24);
  header.writeUInt16LE(targetInfo.length, 40);
  header.writeUInt16LE(targetInfo.length, 42);
  header.writeUInt32LE(48 + targetName.length, 44);
  return { message: Buffer.concat([header, targetName, targetInfo]), challenge };
}

export interface AuthenticateMessage {
  user: string;
  domain: string;
  workstation: string;
  ntResponse: Buffer;
}

/** Reads an AUTHENTICATE_MESSAGE (MS-NLMP 2.2.1.3); throws naming what is malformed. */
export function parseAuthenticateMessage(msg: Buffer): AuthenticateMessage {
  if (ntlmMessageType(msg) !== 3 || msg.length < 64) throw new Error('not an NTLM AUTHENTICATE_MESSAGE (type 3)');
  const flags = msg.readUInt32LE(60);
  const field = (at: number): Buffer => {
    const len = msg.readUInt16LE(at);
    const offset = msg.readUInt32LE(at + 4);
    if (offset + len > msg.length) throw new Error(`NTLM AUTHENTICATE_MESSAGE field at ${at} runs past the message`);
    return msg.subarray(offset, offset + len);
  };
  const str = (at: number) => field(at).toString(flags & FLAG.UNICODE ? 'utf16le' : 'latin1');
  return { ntResponse: Buffer.from(field(20)), domain: str(28), user: str(36), workstation: str(44) };
}

/**
 * Checks an NTLMv2 response (MS-NLMP 3.3.2): NTProofStr = HMAC-MD5(NTOWFv2, serverChallenge + blob).
 * The domain is the one the client put in the AUTHENTICATE_MESSAGE, as it went into its hash.
 */
export function verifyNtlmV2(auth: AuthenticateMessage, serverChallenge: Buffer, password: string): boolean {
  if (auth.ntResponse.length <= 24) return false;
  const proof = auth.ntResponse.subarray(0, 16);
  const blob = auth.ntResponse.subarray(16);
  const expected = createHmac('md5', ntowfv2(password, auth.user, auth.domain)).update(Buffer.concat([serverChallenge, blob])).digest();
  return timingSafeEqual(proof, expected);
}
