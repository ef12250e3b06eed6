import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import type { SealedSecretV1 } from '@mailrouter/contracts';

/** A key id: short, printable, safe in logs and JSON (never derived reversibly from the key). */
export const SECRET_KEY_ID_PATTERN = /^[A-Za-z0-9._-]{1,32}$/;
/** Hex digits of the SHA-256 fingerprint used as a key's default id. */
const DERIVED_ID_HEX = 8;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Decodes a 32-byte key (64 hex digits or base64); `variable` names it in the error. */
export function decodeSecretKey(key: string, variable = 'ROUTER_SECRET_KEY'): Buffer {
  const trimmed = key.trim();
  const buf = /^[0-9a-f]{64}$/i.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (buf.length !== 32) {
    throw new Error(`${variable} must be 32 bytes, as 64 hex digits or base64 (openssl rand -base64 32)`);
  }
  return buf;
}

/**
 * A key's default id: the first hex digits of SHA-256 over a label and the key. It names the key
 * in sealed values, logs and errors; it reveals nothing usable about the key.
 */
export function deriveSecretKeyId(key: Buffer): string {
  return createHash('sha256').update('mailrouter-secret-key-id\n').update(key).digest('hex').slice(0, DERIVED_ID_HEX);
}

export interface SecretKeyEntry {
  /** The id written into values sealed under this key (ROUTER_SECRET_KEY_ID, or the derived id). */
  readonly id: string;
  /** deriveSecretKeyId(key): also accepted as this key's id, so renaming a key keeps old values openable. */
  readonly fingerprint: string;
  readonly key: Buffer;
}

/** Why a sealed value cannot be opened; names the key id, never a key or a plaintext. */
export class SecretOpenError extends Error {
  constructor(message: string, readonly kid: string | undefined) {
    super(message);
    this.name = 'SecretOpenError';
  }
}

/**
 * The router's keys: `current` seals (and signs forward-rule tokens); `previous` only open what
 * older keys sealed, so a key can be rotated while the values sealed under it are re-sealed.
 * Prints as its key ids only, so logging settings never leaks a key.
 */
export class SecretKeyring {
  readonly current: SecretKeyEntry;
  readonly previous: readonly SecretKeyEntry[];

  constructor(current: { key: Buffer; id?: string }, previous: ReadonlyArray<{ key: Buffer; id?: string }> = []) {
    this.current = entry(current.key, current.id);
    this.previous = previous.map((p) => entry(p.key, p.id));
    const ids = this.all().map((k) => k.id);
    const twice = ids.find((id, i) => ids.indexOf(id) !== i);
    if (twice) throw new Error(`the secret keyring names key id '${twice}' twice`);
  }

  /** A ring of one key, its id derived (what a Buffer stands for where a ring is expected). */
  static of(keys: SecretKeys): SecretKeyring {
    return keys instanceof SecretKeyring ? keys : new SecretKeyring({ key: keys });
  }

  /** Current first, then the previous keys in the order configured. */
  all(): SecretKeyEntry[] {
    return [this.current, ...this.previous];
  }

  /** The key whose id (or fingerprint) is `kid`. */
  find(kid: string): SecretKeyEntry | undefined {
    return this.all().find((k) => k.id === kid) ?? this.all().find((k) => k.fingerprint === kid);
  }

  describe(): string {
    const prev = this.previous.map((k) => `'${k.id}'`).join(', ');
    return `current '${this.current.id}'${prev ? `, previous ${prev}` : ', no previous keys'}`;
  }

  toJSON(): unknown {
    return { current: this.current.id, previous: this.previous.map((k) => k.id) };
  }

  [inspect.custom](): string {
    return `SecretKeyring(${this.describe()})`;
  }
}

function entry(key: Buffer, id?: string): SecretKeyEntry {
  if (key.length !== 32) throw new Error('a secret key must be 32 bytes');
  if (id !== undefined && !SECRET_KEY_ID_PATTERN.test(id)) throw new Error(`key id '${id.slice(0, 40)}' must be 1-32 letters, digits, . _ or -`);
  const fingerprint = deriveSecretKeyId(key);
  return { id: id ?? fingerprint, fingerprint, key };
}

/** A keyring, or a single key (tests and tools): a Buffer is a ring of that key alone. */
export type SecretKeys = SecretKeyring | Buffer;

/**
 * Builds the keyring from ROUTER_SECRET_KEY, ROUTER_SECRET_KEY_ID and ROUTER_SECRET_KEYS_PREVIOUS
 * (comma-separated `id:key` or bare keys); errors name the variable, never the key.
 */
export function secretKeyringFromEnv(e: { ROUTER_SECRET_KEY: string; ROUTER_SECRET_KEY_ID?: string; ROUTER_SECRET_KEYS_PREVIOUS?: string }): SecretKeyring {
  const id = e.ROUTER_SECRET_KEY_ID?.trim() || undefined;
  if (id !== undefined && !SECRET_KEY_ID_PATTERN.test(id)) throw new Error('ROUTER_SECRET_KEY_ID must be 1-32 letters, digits, . _ or -');
  const current = { key: decodeSecretKey(e.ROUTER_SECRET_KEY), id };
  const previous = (e.ROUTER_SECRET_KEYS_PREVIOUS ?? '').split(',').map((s) => s.trim()).filter(Boolean).map((item, i) => {
    // base64 and hex never contain ':', so the first ':' separates an id from its key.
    const colon = item.indexOf(':');
    const prevId = colon >= 0 ? item.slice(0, colon).trim() : undefined;
    const where = `ROUTER_SECRET_KEYS_PREVIOUS (entry ${i + 1})`;
    if (prevId !== undefined && !SECRET_KEY_ID_PATTERN.test(prevId)) throw new Error(`${where}: the key id must be 1-32 letters, digits, . _ or -`);
    return { key: decodeSecretKey(colon >= 0 ? item.slice(colon + 1) : item, where), id: prevId };
  });
  try {
    return new SecretKeyring(current, previous);
  } catch (err) {
    throw new Error(`ROUTER_SECRET_KEY_ID / ROUTER_SECRET_KEYS_PREVIOUS: ${(err as Error).message}`);
  }
}

/** Binds the key id into the GCM tag, so a value relabelled with another kid fails to open. */
function aadFor(kid: string): Buffer {
  return Buffer.from(`mailrouter-sealed-secret\nA256GCM\n${kid}`, 'utf8');
}

/** Seals a secret with AES-256-GCM under the current key; a fresh 96-bit IV each time. */
export function sealSecret(keys: SecretKeys, plaintext: string): SealedSecretV1 {
  const { id, key } = SecretKeyring.of(keys).current;
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aadFor(id));
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return { alg: 'A256GCM', kid: id, iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
}

/** AES-256-GCM open; null when the key, IV, tag, data or AAD do not authenticate. */
function tryOpen(key: Buffer, sealed: SealedSecretV1, aad: Buffer | null): string | null {
  const iv = Buffer.from(sealed.iv, 'base64');
  const tag = Buffer.from(sealed.tag, 'base64');
  if (sealed.alg !== 'A256GCM' || iv.length !== IV_BYTES || tag.length !== TAG_BYTES) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    if (aad) decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}

/** The key that opens `sealed` and its plaintext; throws SecretOpenError (naming the kid) otherwise. */
export function openSecretWithKey(keys: SecretKeys, sealed: SealedSecretV1): { plaintext: string; keyId: string } {
  const ring = SecretKeyring.of(keys);
  if (sealed.kid !== undefined) {
    const found = ring.find(sealed.kid);
    if (!found) {
      throw new SecretOpenError(`cannot open a secret sealed under key id '${sealed.kid}': that key is not in the keyring (${ring.describe()}); add it to ROUTER_SECRET_KEYS_PREVIOUS`, sealed.kid);
    }
    const plaintext = tryOpen(found.key, sealed, aadFor(sealed.kid));
    if (plaintext === null) {
      throw new SecretOpenError(`cannot open a secret sealed under key id '${sealed.kid}': it does not authenticate (its ciphertext, tag, IV or key id was altered)`, sealed.kid);
    }
    return { plaintext, keyId: found.id };
  }
  // Sealed before key ids existed (no AAD): whichever key of the ring opens it.
  for (const k of ring.all()) {
    const plaintext = tryOpen(k.key, sealed, null);
    if (plaintext !== null) return { plaintext, keyId: k.id };
  }
  throw new SecretOpenError(`cannot open a secret sealed without a key id: no key in the keyring (${ring.describe()}) authenticates it (another key sealed it, or it was altered)`, undefined);
}

export function openSecret(keys: SecretKeys, sealed: SealedSecretV1): string {
  return openSecretWithKey(keys, sealed).plaintext;
}

/**
 * Proves that a forwarded-for header was written by a rule the router deployed: an HMAC of the
 * forward mailbox and the user under the current key (base64url, 32 characters). Sieve rules
 * carry it in `X-MailRouter-Forwarded-For`; crm-sync recomputes it before it believes the header.
 */
export function forwardRuleToken(keys: SecretKeys, forwardAddress: string, userAddress: string): string {
  return tokenUnder(SecretKeyring.of(keys).current.key, forwardAddress, userAddress);
}

/** The token under every key of the ring (current first): rules deployed before a rotation still verify. */
export function forwardRuleTokens(keys: SecretKeys, forwardAddress: string, userAddress: string): string[] {
  return SecretKeyring.of(keys).all().map((k) => tokenUnder(k.key, forwardAddress, userAddress));
}

function tokenUnder(key: Buffer, forwardAddress: string, userAddress: string): string {
  return createHmac('sha256', key)
    .update(`mailrouter-forward-rule\n${forwardAddress.trim().toLowerCase()}\n${userAddress.trim().toLowerCase()}`)
    .digest('base64url')
    .slice(0, 32);
}
