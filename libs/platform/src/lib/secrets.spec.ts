import { createCipheriv, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import type { SealedSecretV1 } from '@mailrouter/contracts';
import {
  decodeSecretKey, deriveSecretKeyId, forwardRuleToken, forwardRuleTokens, openSecret, openSecretWithKey, sealSecret,
  SecretKeyring, secretKeyringFromEnv, SecretOpenError,
} from './secrets';
import { EnvError, parseEnv, secretsEnv, natsEnv } from './env';

/** How values were sealed before key ids existed: no kid, no AAD. */
function legacySeal(key: Buffer, plaintext: string): SealedSecretV1 {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return { alg: 'A256GCM', iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
}

/** One bit flipped in a base64 field. */
function flip(b64: string): string {
  const buf = Buffer.from(b64, 'base64');
  buf[0] ^= 0x01;
  return buf.toString('base64');
}

describe('secrets', () => {
  const key = randomBytes(32);

  it('seal with a fresh IV each time and open back to the plaintext', () => {
    const a = sealSecret(key, 'hunter2');
    const b = sealSecret(key, 'hunter2');
    expect(a.data).not.toBe(b.data);
    expect(JSON.stringify(a)).not.toContain('hunter2');
    expect(openSecret(key, a)).toBe('hunter2');
  });

  it('refuse a tampered ciphertext or a wrong key', () => {
    const sealed = sealSecret(key, 'hunter2');
    const tampered = { ...sealed, data: Buffer.from('x' + sealed.data).toString('base64') };
    expect(() => openSecret(key, tampered)).toThrow();
    expect(() => openSecret(randomBytes(32), sealed)).toThrow();
  });

  it('accept a key as 64 hex digits or base64 of 32 bytes, and name the variable otherwise', () => {
    expect(decodeSecretKey(key.toString('hex'))).toEqual(key);
    expect(decodeSecretKey(key.toString('base64'))).toEqual(key);
    expect(() => decodeSecretKey('short')).toThrow(/ROUTER_SECRET_KEY/);
  });
});

describe('secrets under a key id, with previous keys', () => {
  const keyA = randomBytes(32);
  const keyB = randomBytes(32);
  const ringA = new SecretKeyring({ key: keyA, id: 'key-a' });
  const ringB = new SecretKeyring({ key: keyB, id: 'key-b' }, [{ key: keyA, id: 'key-a' }]);
  const onlyB = new SecretKeyring({ key: keyB, id: 'key-b' });

  it('seals under the current key id; a ring with the old key as previous opens both old and new values', () => {
    const old = sealSecret(ringA, 'pa$$word');
    const fresh = sealSecret(ringB, 'pa$$word');
    expect(old.kid).toBe('key-a');
    expect(fresh.kid).toBe('key-b');
    expect(openSecretWithKey(ringB, old)).toEqual({ plaintext: 'pa$$word', keyId: 'key-a' });
    expect(openSecretWithKey(ringB, fresh)).toEqual({ plaintext: 'pa$$word', keyId: 'key-b' });
  });

  it('an unknown key id fails loudly, naming the kid and the ring but never a key', () => {
    const old = sealSecret(ringA, 'pa$$word');
    let caught: unknown;
    try {
      openSecret(onlyB, old);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(SecretOpenError);
    const message = (caught as Error).message;
    expect(message).toMatch(/key id 'key-a'.*not in the keyring \(current 'key-b', no previous keys\).*ROUTER_SECRET_KEYS_PREVIOUS/);
    for (const k of [keyA, keyB]) {
      expect(message).not.toContain(k.toString('base64'));
      expect(message).not.toContain(k.toString('hex'));
    }
    expect((caught as SecretOpenError).kid).toBe('key-a');
  });

  it('a tampered ciphertext, tag, IV or swapped kid fails loudly with the kid, never returning other text', () => {
    const sealed = sealSecret(ringB, 'pa$$word');
    const variants: Array<[string, SealedSecretV1]> = [
      ['data', { ...sealed, data: flip(sealed.data) }],
      ['tag', { ...sealed, tag: flip(sealed.tag) }],
      ['iv', { ...sealed, iv: flip(sealed.iv) }],
      ['short tag', { ...sealed, tag: Buffer.from(sealed.tag, 'base64').subarray(0, 4).toString('base64') }],
      // The same key under its other name: the AAD binds the kid, so the relabelled value does not open.
      ['kid', { ...sealed, kid: deriveSecretKeyId(keyB) }],
    ];
    for (const [what, v] of variants) {
      expect(() => openSecret(ringB, v)).toThrow(SecretOpenError);
      expect(() => openSecret(ringB, v)).toThrow(/key id '.+'.*does not authenticate/);
      void what;
    }
    // A kid stripped off a new value: treated as legacy, and no key opens it without the AAD.
    const { kid: _kid, ...stripped } = sealed;
    expect(() => openSecret(ringB, stripped)).toThrow(/sealed without a key id: no key in the keyring \(current 'key-b', previous 'key-a'\)/);
    // A kid moved to the other key of the ring.
    expect(() => openSecret(ringB, { ...sealed, kid: 'key-a' })).toThrow(/key id 'key-a'.*does not authenticate/);
    console.log(`secrets: ${variants.length + 2} tampered variants refused, each naming the key id`);
  });

  it('values sealed before key ids existed still open, with the current key or a previous one', () => {
    expect(openSecretWithKey(ringA, legacySeal(keyA, 'old one'))).toEqual({ plaintext: 'old one', keyId: 'key-a' });
    expect(openSecretWithKey(ringB, legacySeal(keyA, 'old one'))).toEqual({ plaintext: 'old one', keyId: 'key-a' });
    expect(() => openSecret(onlyB, legacySeal(keyA, 'old one'))).toThrow(SecretOpenError);
  });

  it('a key is also known by its derived id, so naming a key later keeps values sealed under the default id', () => {
    const unnamed = sealSecret(keyA, 'x');
    expect(unnamed.kid).toBe(deriveSecretKeyId(keyA));
    expect(unnamed.kid).toMatch(/^[0-9a-f]{8}$/);
    expect(openSecret(ringB, unnamed)).toBe('x');
  });

  it('forward-rule tokens: signed with the current key, verified under any key of the ring', () => {
    const t = forwardRuleToken(ringA, 'fwd@ours.test', 'alice@ours.test');
    expect(forwardRuleToken(keyA, 'fwd@ours.test', 'alice@ours.test')).toBe(t);
    expect(forwardRuleTokens(ringB, 'fwd@ours.test', 'alice@ours.test')).toEqual([forwardRuleToken(keyB, 'fwd@ours.test', 'alice@ours.test'), t]);
    expect(forwardRuleTokens(onlyB, 'fwd@ours.test', 'alice@ours.test')).not.toContain(t);
  });

  it('reads the ring from the environment; errors name the variable; printing shows ids only', () => {
    const ring = secretKeyringFromEnv({
      ROUTER_SECRET_KEY: keyB.toString('base64'), ROUTER_SECRET_KEY_ID: '2026-11',
      ROUTER_SECRET_KEYS_PREVIOUS: ` 2026-05:${keyA.toString('hex')} , ${randomBytes(32).toString('base64')} `,
    });
    expect(ring.current.id).toBe('2026-11');
    expect(ring.previous.map((k) => k.id)).toEqual(['2026-05', expect.stringMatching(/^[0-9a-f]{8}$/)]);
    expect(ring.previous[0].key).toEqual(keyA);
    expect(secretKeyringFromEnv({ ROUTER_SECRET_KEY: keyA.toString('hex') }).current.id).toBe(deriveSecretKeyId(keyA));
    const printed = `${inspect(ring)} ${JSON.stringify(ring)} ${inspect({ settings: { secretKey: ring } })}`;
    expect(printed).toContain('2026-11');
    expect(printed).not.toContain(keyB.toString('base64'));
    expect(printed).not.toMatch(/<Buffer/);
    expect(() => secretKeyringFromEnv({ ROUTER_SECRET_KEY: keyB.toString('base64'), ROUTER_SECRET_KEYS_PREVIOUS: 'old:short' }))
      .toThrow(/ROUTER_SECRET_KEYS_PREVIOUS \(entry 1\) must be 32 bytes/);
    expect(() => secretKeyringFromEnv({ ROUTER_SECRET_KEY: keyB.toString('base64'), ROUTER_SECRET_KEY_ID: 'has space' })).toThrow(/ROUTER_SECRET_KEY_ID/);
    expect(() => secretKeyringFromEnv({ ROUTER_SECRET_KEY: keyB.toString('base64'), ROUTER_SECRET_KEY_ID: 'k', ROUTER_SECRET_KEYS_PREVIOUS: `k:${keyA.toString('base64')}` }))
      .toThrow(/names key id 'k' twice/);
  });
});

describe('environment', () => {
  it('names each bad variable', () => {
    expect(() => parseEnv(secretsEnv, {})).toThrow(EnvError);
    expect(() => parseEnv(secretsEnv, {})).toThrow(/ROUTER_SECRET_KEY/);
    expect(() => parseEnv(natsEnv, { NATS_PREFIX: 'has space' })).toThrow(/NATS_PREFIX/);
    expect(parseEnv(natsEnv, {})).toEqual({ NATS_URL: 'nats://127.0.0.1:4222', NATS_PREFIX: 'mr', NATS_STREAM_REPLICAS: 1 });
  });
});
