import { isDeepStrictEqual } from 'node:util';
import type { Json } from '../support/api-client';
import { UsageError } from '../support/cli-errors';
import { ConfigDocument, describeItem, isLiveSecret, isPlainObject, isSecretRef, itemKey, Kind, KINDS, NATURAL_KEYS, SECTION } from './config-document';

export interface Change {
  /** `port`, `tracking.token.prefix`, `password`. */
  path: string;
  text: string;
  secret?: 'set' | 'replace' | 'clear';
}

export interface PlanItem {
  action: 'create' | 'update' | 'delete';
  kind: Kind;
  key: string;
  label: string;
  /** The file's item (create, update) or the live one (delete). */
  item: Json;
  changes: Change[];
}

export interface Plan {
  items: PlanItem[];
  unchanged: number;
  /** Live items the file does not list, kept because --prune was not given. */
  kept: string[];
}

export interface PlanOptions {
  prune: boolean;
  /** Send referenced secrets even where one is already set (the API cannot show whether it differs). */
  updateSecrets: boolean;
}

/** What apply would do, by natural keys, in dependency order (creates/updates first, deletes last, reversed). */
export function planChanges(desired: ConfigDocument, live: ConfigDocument, opts: PlanOptions): Plan {
  checkReferences(desired, live, opts.prune);
  const items: PlanItem[] = [];
  const deletes: PlanItem[] = [];
  const kept: string[] = [];
  let unchanged = 0;
  for (const kind of KINDS) {
    const liveByKey = new Map(live[SECTION[kind]].map((i) => [itemKey(kind, i), i]));
    const wanted = new Set<string>();
    for (const item of desired[SECTION[kind]]) {
      const key = itemKey(kind, item);
      wanted.add(key);
      const current = liveByKey.get(key);
      if (!current) {
        items.push({ action: 'create', kind, key, label: describeItem(kind, item), item, changes: [] });
        continue;
      }
      const changes = diffObject(item, current, '', opts, new Set(NATURAL_KEYS[kind]));
      if (changes.length) items.push({ action: 'update', kind, key, label: describeItem(kind, item), item, changes });
      else unchanged++;
    }
    for (const [key, item] of liveByKey) {
      if (wanted.has(key)) continue;
      if (opts.prune) deletes.push({ action: 'delete', kind, key, label: describeItem(kind, item), item, changes: [] });
      else kept.push(describeItem(kind, item));
    }
  }
  return { items: [...items, ...deletes.reverse()], unchanged, kept };
}

function diffObject(want: Json, have: Json | undefined, prefix: string, opts: PlanOptions, skip = new Set<string>()): Change[] {
  const changes: Change[] = [];
  for (const [k, v] of Object.entries(want)) {
    if (skip.has(k)) continue;
    const path = prefix + k;
    if (k.endsWith('From') && isSecretRef(v)) {
      const field = prefix + k.slice(0, -4);
      if (!isLiveSecret(have?.[k])) changes.push({ path: field, text: 'set', secret: 'set' });
      else if (opts.updateSecrets) changes.push({ path: field, text: 'replace', secret: 'replace' });
      continue;
    }
    if (v === null && isLiveSecret(have?.[`${k}From`])) {
      changes.push({ path, text: 'remove', secret: 'clear' });
      continue;
    }
    const current = have?.[k];
    if (isPlainObject(v) && isPlainObject(current)) {
      changes.push(...diffObject(v, current, `${path}.`, opts));
      continue;
    }
    if (!isDeepStrictEqual(v, current)) changes.push({ path, text: `${show(current)} → ${show(v)}` });
  }
  return changes;
}

function show(v: unknown): string {
  if (v === undefined) return '(unset)';
  if (isLiveSecret(v)) return '(secret)';
  return JSON.stringify(v);
}

/** Profile and deployment names must exist in the file, or live (and not about to be pruned). */
function checkReferences(desired: ConfigDocument, live: ConfigDocument, prune: boolean): void {
  const known = (kind: Kind) => {
    const names = new Set(desired[SECTION[kind]].map((i) => String(i.name)));
    if (!prune) live[SECTION[kind]].forEach((i) => names.add(String(i.name)));
    return names;
  };
  const profiles = known('profile');
  const deployments = known('deployment');
  const problems: string[] = [];
  for (const kind of KINDS) {
    desired[SECTION[kind]].forEach((item, i) => {
      for (const [k, v] of Object.entries(item)) {
        if (/Profile$/.test(k) && typeof v === 'string' && !profiles.has(v)) {
          problems.push(`${SECTION[kind]}[${i}].${k}: no profile named "${v}" in the file${prune ? '' : ' or the live configuration'}`);
        }
      }
      if (kind === 'mailbox' && !deployments.has(String(item.deployment))) {
        problems.push(`mailboxes[${i}].deployment: no deployment named "${String(item.deployment)}" in the file${prune ? '' : ' or the live configuration'}`);
      }
    });
  }
  if (problems.length) throw new UsageError(`the file refers to what does not exist:\n  ${problems.join('\n  ')}`);
}

/** The plan as the lines apply and --dry-run print. */
export function formatPlan(plan: Plan): string[] {
  const sign = { create: '+', update: '~', delete: '-' } as const;
  const lines = plan.items.map((p) => {
    const detail = p.changes.length ? `: ${p.changes.map((c) => `${c.path} ${c.text}`).join('; ')}` : '';
    return `${sign[p.action]} ${p.action} ${p.label}${detail}`;
  });
  if (plan.kept.length) lines.push(`  ${plan.kept.length} live item(s) not in the file are kept (--prune deletes them): ${plan.kept.join(', ')}`);
  return lines;
}
