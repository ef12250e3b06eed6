import type { Json } from '../support/api-client';

/**
 * The configuration as a document: what `config export` writes and `config apply` reads.
 * Built generically from the API's views so that fields added to the API later travel with no
 * change here, following the API's conventions (docs/api.md):
 * - ids and timestamps are dropped; `…ProfileId` / `deploymentId` become the referenced NAME
 *   (`incomingProfile: Contoso IMAP`, `deployment: Contoso`), natural keys replace ids;
 * - a write-only secret, shown by the API as `hasX: boolean`, becomes `xFrom: <reference>` when
 *   set and `x: null` when not. Secret values never appear.
 */

export const KINDS = ['profile', 'deployment', 'mailbox'] as const;
export type Kind = (typeof KINDS)[number];

export interface ConfigDocument {
  profiles: Json[];
  deployments: Json[];
  mailboxes: Json[];
}

export const SECTION: Record<Kind, keyof ConfigDocument> = { profile: 'profiles', deployment: 'deployments', mailbox: 'mailboxes' };

/** Natural keys, written first in each item. */
export const NATURAL_KEYS: Record<Kind, string[]> = { profile: ['name'], deployment: ['name'], mailbox: ['deployment', 'address'] };

/** Fields the API computes: never written, never compared. */
const READ_ONLY = new Set(['id', 'createdAt', 'updatedAt', 'test']);

/** Where a live secret is set: the document has `xFrom: LIVE_SECRET` (export replaces it by a reference). */
export const LIVE_SECRET = Object.freeze({ live: true as const });
export type SecretRef = { env: string } | { file: string };

export function isLiveSecret(v: unknown): boolean {
  return v === LIVE_SECRET;
}

export function isSecretRef(v: unknown): v is SecretRef {
  if (!isPlainObject(v)) return false;
  const keys = Object.keys(v);
  return keys.length === 1 && ((keys[0] === 'env' || keys[0] === 'file') && typeof v[keys[0]] === 'string');
}

export function isPlainObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Names a secret field would carry inline; refused in a file (write `xFrom: {env|file}` instead). */
export const SECRET_FIELD = /(password|secret|certificate|privatekey|apikey|token)$/i;

export interface NameLookup {
  profile(id: string): string | undefined;
  deployment(id: string): string | undefined;
}

/** One API view (profile, deployment, mailbox) as a document item. */
export function toDocumentItem(kind: Kind, view: Json, names: NameLookup): Json {
  const item = convert(view, names, true);
  const ordered: Json = {};
  for (const k of NATURAL_KEYS[kind]) ordered[k] = item[k];
  return Object.assign(ordered, item);
}

function convert(view: Json, names: NameLookup, top: boolean): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(view)) {
    if (top && READ_ONLY.has(key)) continue;
    const secret = /^has([A-Z]\w*)$/.exec(key);
    if (secret && typeof value === 'boolean') {
      const field = secret[1][0].toLowerCase() + secret[1].slice(1);
      if (value) out[`${field}From`] = LIVE_SECRET;
      else out[field] = null;
      continue;
    }
    const profileRef = /^(\w*)ProfileId$/.exec(key);
    if (profileRef && (typeof value === 'string' || value === null)) {
      out[`${profileRef[1]}Profile`] = value === null ? null : names.profile(value) ?? `(unknown profile ${value})`;
      continue;
    }
    if (key === 'deploymentId' && typeof value === 'string') {
      out.deployment = names.deployment(value) ?? `(unknown deployment ${value})`;
      continue;
    }
    out[key] = convertValue(value, names);
  }
  return out;
}

function convertValue(value: unknown, names: NameLookup): unknown {
  if (Array.isArray(value)) return value.map((v) => convertValue(v, names));
  if (isPlainObject(value)) return convert(value, names, false);
  return value;
}

/** Stable identity of an item: natural keys, case-insensitive for addresses. */
export function itemKey(kind: Kind, item: Json): string {
  if (kind === 'mailbox') return `${String(item.deployment)}\u0000${String(item.address).trim().toLowerCase()}`;
  return String(item.name);
}

export function describeItem(kind: Kind, item: Json): string {
  if (kind === 'mailbox') return `mailbox ${String(item.address)} (deployment "${String(item.deployment)}")`;
  return `${kind} "${String(item.name)}"`;
}

/** Deterministic order: profiles and deployments by name, mailboxes by deployment then address. */
export function sortDocument(doc: ConfigDocument): ConfigDocument {
  const by = (kind: Kind) => (a: Json, b: Json) => cmp(itemKey(kind, a), itemKey(kind, b));
  return {
    profiles: [...doc.profiles].sort(by('profile')),
    deployments: [...doc.deployments].sort(by('deployment')),
    mailboxes: [...doc.mailboxes].sort(by('mailbox')),
  };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface LiveConfig {
  profiles: Json[];
  deployments: Json[];
  mailboxes: Json[];
}

/** The live configuration (API views) as a document, with secrets as LIVE_SECRET markers. */
export function liveDocument(live: LiveConfig): ConfigDocument {
  const profileNames = new Map(live.profiles.map((p) => [String(p.id), String(p.name)]));
  const deploymentNames = new Map(live.deployments.map((d) => [String(d.id), String(d.name)]));
  const names: NameLookup = { profile: (id) => profileNames.get(id), deployment: (id) => deploymentNames.get(id) };
  return sortDocument({
    profiles: live.profiles.map((v) => toDocumentItem('profile', v, names)),
    deployments: live.deployments.map((v) => toDocumentItem('deployment', v, names)),
    mailboxes: live.mailboxes.map((v) => toDocumentItem('mailbox', v, names)),
  });
}
