import { randomBytes } from 'node:crypto';
import { decodeSecretKey, openSecret, sealSecret } from './secrets';
import { EnvError, parseEnv, secretsEnv, natsEnv } from './env';

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

describe('environment', () => {
  it('names each bad variable', () => {
    expect(() => parseEnv(secretsEnv, {})).toThrow(EnvError);
    expect(() => parseEnv(secretsEnv, {})).toThrow(/ROUTER_SECRET_KEY/);
    expect(() => parseEnv(natsEnv, { NATS_PREFIX: 'has space' })).toThrow(/NATS_PREFIX/);
    expect(parseEnv(natsEnv, {})).toEqual({ NATS_URL: 'nats://127.0.0.1:4222', NATS_PREFIX: 'mr', NATS_STREAM_REPLICAS: 1 });
  });
});
