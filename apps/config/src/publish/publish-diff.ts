import type { PublishedConfigV1 } from '@mailrouter/contracts';

/** One changed setting. Secrets carry no values: only that they changed. */
export type FieldChange =
  | { field: string; from: unknown; to: unknown }
  | { field: string; secret: true; change: 'set' | 'cleared' | 'changed' };

export interface ObjectChanges<Ref> {
  added: Ref[];
  removed: Ref[];
  changed: (Ref & { fields: FieldChange[] })[];
}

export interface PublishDiff {
  deployments: ObjectChanges<{ id: string; name: string }>;
  mailboxes: ObjectChanges<{ id: string; address: string; deploymentId: string }>;
  /** No deployment or mailbox would change. */
  identical: boolean;
}

/** A sealed secret (SealedSecretV1): compared by its sealed bytes, never shown. */
function isSealed(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    && ['alg', 'iv', 'tag', 'data'].every((k) => typeof (value as Record<string, unknown>)[k] === 'string');
}

/** JSON with sorted keys, so the same value compares equal whatever order it was written in. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Leaf settings as dotted paths (`incoming.auth.username`, `tracking.token.prefix`); a sealed
 * secret and an array are one leaf each.
 */
function flatten(value: unknown, path: string, out: Map<string, unknown>): Map<string, unknown> {
  if (value && typeof value === 'object' && !Array.isArray(value) && !isSealed(value)) {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) flatten(v, path ? `${path}.${k}` : k, out);
  } else if (value !== undefined && path) {
    out.set(path, value);
  }
  return out;
}

/** Field by field, `before` → `after`; secrets as set / cleared / changed only. */
export function fieldChanges(before: unknown, after: unknown): FieldChange[] {
  const a = flatten(before, '', new Map());
  const b = flatten(after, '', new Map());
  const fields = [...new Set([...a.keys(), ...b.keys()])].sort();
  const changes: FieldChange[] = [];
  for (const field of fields) {
    const from = a.get(field);
    const to = b.get(field);
    if (canonical(from) === canonical(to)) continue;
    if (isSealed(from) || isSealed(to)) {
      changes.push({ field, secret: true, change: from === undefined ? 'set' : to === undefined ? 'cleared' : 'changed' });
    } else {
      changes.push({ field, from: from ?? null, to: to ?? null });
    }
  }
  return changes;
}

function diffById<T extends { id: string }, Ref>(
  before: T[], after: T[], ref: (item: T) => Ref, compare: (b: T, a: T) => FieldChange[],
): ObjectChanges<Ref> {
  const old = new Map(before.map((x) => [x.id, x]));
  const now = new Map(after.map((x) => [x.id, x]));
  const result: ObjectChanges<Ref> = { added: [], removed: [], changed: [] };
  for (const item of after) {
    const was = old.get(item.id);
    if (!was) { result.added.push(ref(item)); continue; }
    const fields = compare(was, item);
    if (fields.length) result.changed.push({ ...ref(item), fields });
  }
  for (const item of before) if (!now.has(item.id)) result.removed.push(ref(item));
  return result;
}

/**
 * What publishing `draft` would change against `published` (undefined = nothing published):
 * deployments and mailboxes matched by id, with each changed setting. The version's own
 * number, date and comment are not settings and are not compared.
 */
export function diffPublished(published: PublishedConfigV1 | undefined, draft: PublishedConfigV1): PublishDiff {
  const deployments = diffById(
    published?.deployments ?? [], draft.deployments, (d) => ({ id: d.id, name: d.name }),
    (b, a) => fieldChanges(b, a),
  );
  const mailboxes = diffById(
    published?.mailboxes ?? [], draft.mailboxes, (m) => ({ id: m.id, address: m.address, deploymentId: m.deploymentId }),
    (b, a) => fieldChanges(b, a),
  );
  const empty = (c: ObjectChanges<unknown>) => c.added.length + c.removed.length + c.changed.length === 0;
  return { deployments, mailboxes, identical: empty(deployments) && empty(mailboxes) };
}
