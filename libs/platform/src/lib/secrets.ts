import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import type { SealedSecretV1 } from '@mailrouter/contracts';

/** Decodes ROUTER_SECRET_KEY: 64 hex digits or base64 of 32 bytes. */
export function decodeSecretKey(key: string): Buffer {
  const trimmed = key.trim();
  const buf = /^[0-9a-f]{64}$/i.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (buf.length !== 32) {
    throw new Error('ROUTER_SECRET_KEY must be 32 bytes, as 64 hex digits or base64 (openssl rand -base64 32)');
  }
  return buf;
}

/** Seals a secret with AES-256-GCM; a fresh 96-bit IV each time. */
export function sealSecret(key: Buffer, plaintext: string): SealedSecretV1 {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return { alg: 'A256GCM', iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
}

export function openSecret(key: Buffer, sealed: SealedSecretV1): string {
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'));
  decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
  return Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]).toString('utf8');
}

/**
 * Proves that a forwarded-for header was written by a rule the router deployed: an HMAC of the
 * forward mailbox and the user under ROUTER_SECRET_KEY (base64url, 32 characters). Sieve rules
 * carry it in `X-MailRouter-Forwarded-For`; crm-sync recomputes it before it believes the header.
 */
export function forwardRuleToken(key: Buffer, forwardAddress: string, userAddress: string): string {
  return createHmac('sha256', key)
    .update(`mailrouter-forward-rule\n${forwardAddress.trim().toLowerCase()}\n${userAddress.trim().toLowerCase()}`)
    .digest('base64url')
    .slice(0, 32);
}
