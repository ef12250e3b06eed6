import type { SealedSecretV1 } from '@mailrouter/contracts';

/** A SealedSecretV1 anywhere in a JSON value (a published snapshot nests them in endpoints). */
export function isSealedSecret(value: unknown): value is SealedSecretV1 {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const o = value as Record<string, unknown>;
  return o['alg'] === 'A256GCM' && ['iv', 'tag', 'data'].every((k) => typeof o[k] === 'string')
    && (o['kid'] === undefined || typeof o['kid'] === 'string');
}

/**
 * `value` with every sealed secret in it replaced by `replace(secret, path)`; the same object
 * (not a copy) where nothing was replaced, so a caller can tell whether to write it back.
 */
export function mapSealedSecrets<T>(value: T, replace: (secret: SealedSecretV1, path: string) => SealedSecretV1, path = ''): T {
  if (isSealedSecret(value)) return replace(value, path) as T;
  if (Array.isArray(value)) {
    const items = value.map((v, i) => mapSealedSecrets(v, replace, `${path}[${i}]`));
    return (items.some((v, i) => v !== value[i]) ? items : value) as T;
  }
  if (typeof value === 'object' && value !== null && !(value instanceof Date)) {
    let changed = false;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = mapSealedSecrets(v, replace, path ? `${path}.${k}` : k);
      changed ||= out[k] !== v;
    }
    return (changed ? out : value) as T;
  }
  return value;
}

/** Counts of sealed values by the key that opens them. */
export interface KidTally {
  total: number;
  /** Key id → values it opens (values sealed before key ids existed count under the key that opens them). */
  byKid: Record<string, number>;
  /** Values that carry no key id (sealed before key ids existed); re-sealing gives them one. */
  withoutKid: number;
  /** Values no key of the ring opens: their key id (or `(none)`) and how many. */
  unopenable: Record<string, number>;
}

export function emptyTally(): KidTally {
  return { total: 0, byKid: {}, withoutKid: 0, unopenable: {} };
}

export function countUnder(counts: Record<string, number>, kid: string): void {
  counts[kid] = (counts[kid] ?? 0) + 1;
}
