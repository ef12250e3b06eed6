import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { Json } from '../support/api-client';
import { UsageError } from '../support/cli-errors';
import { ConfigDocument, describeItem, isPlainObject, isSecretRef, itemKey, Kind, KINDS, NATURAL_KEYS, SECRET_FIELD, SECTION, SecretRef } from './config-document';
import { DOCUMENT_VERSION } from './config-export';

const TOP_KEYS = new Set(['apiVersion', 'kind', 'profiles', 'deployments', 'mailboxes']);

/** Reads and checks a configuration file; every problem is named (path in the file), exit 2. */
export function parseConfigText(text: string, source: string): ConfigDocument {
  const parsed = parseDocument(text, { prettyErrors: true });
  if (parsed.errors.length) throw new UsageError(`${source}: not valid YAML: ${parsed.errors[0].message}`);
  const root: unknown = parsed.toJS();
  if (!isPlainObject(root)) throw new UsageError(`${source}: expected a mapping with profiles, deployments and mailboxes`);
  const problems: string[] = [];
  for (const key of Object.keys(root)) if (!TOP_KEYS.has(key)) problems.push(`${key}: unknown top-level key (expected ${[...TOP_KEYS].join(', ')})`);
  if (root.apiVersion !== undefined && root.apiVersion !== DOCUMENT_VERSION) problems.push(`apiVersion: must be ${DOCUMENT_VERSION}`);
  const doc: ConfigDocument = { profiles: [], deployments: [], mailboxes: [] };
  for (const kind of KINDS) {
    const section = SECTION[kind];
    const list = root[section] ?? [];
    if (!Array.isArray(list)) {
      problems.push(`${section}: must be a list`);
      continue;
    }
    const seen = new Set<string>();
    list.forEach((item, i) => {
      const at = `${section}[${i}]`;
      if (!isPlainObject(item)) return problems.push(`${at}: must be a mapping`);
      for (const k of NATURAL_KEYS[kind]) {
        if (typeof item[k] !== 'string' || !String(item[k]).trim()) problems.push(`${at}.${k}: required (a non-empty string)`);
      }
      const key = itemKey(kind, item);
      if (seen.has(key)) problems.push(`${at}: duplicate ${describeItem(kind, item)}`);
      seen.add(key);
      problems.push(...inlineSecrets(item, at));
      doc[section].push(item);
    });
  }
  if (problems.length) throw new UsageError(`${source}: ${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
  return doc;
}

/** Inline secret values are refused: only references (`xFrom: {env|file}`) or null. */
function inlineSecrets(obj: Json, at: string): string[] {
  const problems: string[] = [];
  for (const [k, v] of Object.entries(obj)) {
    if (k.endsWith('From') && isPlainObject(v) && ('env' in v || 'file' in v) && !isSecretRef(v)) {
      problems.push(`${at}.${k}: a secret reference is { env: NAME } or { file: PATH }`);
    } else if (SECRET_FIELD.test(k) && v !== null && !isPlainObject(v)) {
      problems.push(`${at}.${k}: inline secret values are refused; write ${k}From: { env: NAME } (or { file: PATH })`);
    } else if (isPlainObject(v) && !isSecretRef(v)) {
      problems.push(...inlineSecrets(v, `${at}.${k}`));
    }
  }
  return problems;
}

/** Every reference in the document, with where it is. */
export function secretRefs(doc: ConfigDocument): { at: string; ref: SecretRef }[] {
  const found: { at: string; ref: SecretRef }[] = [];
  const walk = (obj: Json, at: string) => {
    for (const [k, v] of Object.entries(obj)) {
      if (k.endsWith('From') && isSecretRef(v)) found.push({ at: `${at}.${k}`, ref: v });
      else if (isPlainObject(v)) walk(v, `${at}.${k}`);
    }
  };
  for (const kind of KINDS) doc[SECTION[kind]].forEach((item, i) => walk(item, `${SECTION[kind]}[${i}]`));
  return found;
}

export type SecretResolver = (ref: SecretRef) => string;

/**
 * Resolves every reference up front (env from `env`, files relative to the config file), so that
 * a missing one stops apply before anything changes, naming it.
 */
export function resolveSecrets(doc: ConfigDocument, env: Record<string, string | undefined>, baseDir: string): SecretResolver {
  const values = new Map<string, string>();
  const missing: string[] = [];
  const id = (ref: SecretRef) => ('env' in ref ? `env:${ref.env}` : `file:${ref.file}`);
  for (const { at, ref } of secretRefs(doc)) {
    if (values.has(id(ref))) continue;
    if ('env' in ref) {
      const value = env[ref.env];
      if (value === undefined || value === '') missing.push(`${at}: environment variable ${ref.env} is not set`);
      else values.set(id(ref), value);
    } else {
      const path = isAbsolute(ref.file) ? ref.file : resolve(baseDir, ref.file);
      try {
        const value = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
        if (!value) missing.push(`${at}: file ${path} is empty`);
        else values.set(id(ref), value);
      } catch (err) {
        missing.push(`${at}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
      }
    }
  }
  if (missing.length) throw new UsageError(`missing secret(s):\n  ${missing.join('\n  ')}`);
  return (ref) => values.get(id(ref)) as string;
}

export function readConfigFile(file: string, cwd: string): { doc: ConfigDocument; baseDir: string } {
  const path = resolve(cwd, file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return { doc: parseConfigText(text, file), baseDir: dirname(path) };
}

export type { Kind };
