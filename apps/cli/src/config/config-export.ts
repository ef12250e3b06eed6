import { Document, isScalar, visit } from 'yaml';
import type { ApiClient, Json } from '../support/api-client';
import { ConfigDocument, isLiveSecret, isPlainObject, itemKey, Kind, LiveConfig, liveDocument, SECTION } from './config-document';

export const DOCUMENT_VERSION = 'mailrouter/v1';

export async function fetchLive(api: ApiClient): Promise<LiveConfig> {
  const [profiles, deployments, mailboxes] = await Promise.all([
    api.get<Json[]>('/api/v1/profiles'),
    api.get<Json[]>('/api/v1/deployments'),
    api.get<Json[]>('/api/v1/mailboxes'),
  ]);
  return { profiles, deployments, mailboxes };
}

export interface SecretReference {
  env: string;
  /** What it is, for the header: `profile "Contoso SMTP" password`. */
  what: string;
}

/** `Contoso SMTP` → `CONTOSO_SMTP`; `clientSecret` → `CLIENT_SECRET`. */
export function envPart(text: string): string {
  return text
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/**
 * Replaces every live secret by an env reference with a generated, unique name
 * (MAILROUTER_SECRET_<KIND>_<ITEM>_<FIELD PATH>), in document order so that names are stable.
 */
export function referenceSecrets(doc: ConfigDocument): { doc: ConfigDocument; secrets: SecretReference[] } {
  const secrets: SecretReference[] = [];
  const used = new Set<string>();
  const out = { profiles: [], deployments: [], mailboxes: [] } as ConfigDocument;
  for (const kind of ['profile', 'deployment', 'mailbox'] as Kind[]) {
    for (const item of doc[SECTION[kind]]) {
      const ident = kind === 'mailbox' ? `${String(item.deployment)} ${String(item.address)}` : String(item.name);
      const label = kind === 'mailbox' ? `mailbox ${String(item.address)} (deployment "${String(item.deployment)}")` : `${kind} "${String(item.name)}"`;
      const walk = (obj: Json, path: string[]): Json => {
        const res: Json = {};
        for (const [k, v] of Object.entries(obj)) {
          if (isLiveSecret(v)) {
            const field = [...path, k.replace(/From$/, '')];
            const base = `MAILROUTER_SECRET_${envPart(kind)}_${envPart(ident)}_${field.map(envPart).join('_')}`;
            let env = base;
            for (let n = 2; used.has(env); n++) env = `${base}_${n}`;
            used.add(env);
            secrets.push({ env, what: `${label} ${field.join('.')}` });
            res[k] = { env };
          } else res[k] = isPlainObject(v) ? walk(v, [...path, k]) : v;
        }
        return res;
      };
      out[SECTION[kind]].push(walk(item, []));
    }
  }
  return { doc: out, secrets };
}

export function exportYaml(live: LiveConfig, source: string): { yaml: string; secrets: SecretReference[] } {
  const { doc, secrets } = referenceSecrets(liveDocument(live));
  const header = [
    `# MailRouter configuration exported from ${source}.`,
    '# Apply it with: mailrouter config apply -f <this file> [--dry-run] [--prune]',
    '#',
    '# Secrets are NEVER written here. Each password or client secret is a reference',
    '# (`<field>From: { env: NAME }`, or `{ file: PATH }` if you edit it so) that apply resolves.',
    secrets.length ? '# Set these environment variables before applying:' : '# This configuration holds no secrets.',
    ...secrets.map((s) => `#   ${s.env}  (${s.what})`),
    '',
  ].join('\n');
  const body = toYaml({ apiVersion: DOCUMENT_VERSION, kind: 'Configuration', ...doc });
  return { yaml: `${header}${body}`, secrets };
}

/** Stable order of items of one kind by natural key (used by tests comparing exports). */
export function keysOf(kind: Kind, doc: ConfigDocument): string[] {
  return doc[SECTION[kind]].map((i) => itemKey(kind, i));
}

/** YAML of a document, secret references on one line (`passwordFrom: { env: NAME }`). */
export function toYaml(value: unknown): string {
  const doc = new Document(value);
  visit(doc, {
    Map(_key, node) {
      const keys = node.items.map((p) => (isScalar(p.key) ? p.key.value : undefined));
      if (keys.length === 1 && (keys[0] === 'env' || keys[0] === 'file')) node.flow = true;
    },
  });
  return doc.toString({ lineWidth: 0, nullStr: 'null' });
}
