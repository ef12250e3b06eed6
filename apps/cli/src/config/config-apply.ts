import type { ApiClient, Json } from '../support/api-client';
import { ApiError } from '../support/cli-errors';
import { isPlainObject, isSecretRef, itemKey, Kind, LiveConfig, NATURAL_KEYS } from './config-document';
import type { SecretResolver } from './config-file';
import type { Change, Plan, PlanItem } from './config-plan';

const PATHS: Record<Kind, string> = { profile: '/api/v1/profiles', deployment: '/api/v1/deployments', mailbox: '/api/v1/mailboxes' };

/** Ids of live items by natural key, kept current while the plan runs (creates add theirs). */
export class IdIndex {
  private readonly ids = new Map<string, string>();

  constructor(live: LiveConfig) {
    const deploymentNames = new Map(live.deployments.map((d) => [String(d.id), String(d.name)]));
    for (const p of live.profiles) this.set('profile', String(p.name), String(p.id));
    for (const d of live.deployments) this.set('deployment', String(d.name), String(d.id));
    for (const m of live.mailboxes) {
      this.set('mailbox', itemKey('mailbox', { deployment: deploymentNames.get(String(m.deploymentId)), address: m.address }), String(m.id));
    }
  }

  get(kind: Kind, key: string): string | undefined {
    return this.ids.get(`${kind}\u0001${key}`);
  }

  set(kind: Kind, key: string, id: string): void {
    this.ids.set(`${kind}\u0001${key}`, id);
  }
}

export interface ApplyResult {
  done: { item: PlanItem; ok: boolean; message?: string }[];
  failed: boolean;
}

/**
 * Runs the plan through the API in its order; stops at the first refusal (later steps may depend
 * on it) and reports the server's words.
 */
export async function executePlan(api: ApiClient, plan: Plan, ids: IdIndex, resolve: SecretResolver, log: (line: string) => void): Promise<ApplyResult> {
  const done: ApplyResult['done'] = [];
  for (const step of plan.items) {
    try {
      await runStep(api, step, ids, resolve);
      done.push({ item: step, ok: true });
      log(`  ${step.action === 'create' ? 'created' : step.action === 'update' ? 'updated' : 'deleted'} ${step.label}`);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      done.push({ item: step, ok: false, message: err.message });
      log(`  FAILED to ${step.action} ${step.label}: ${err.message}`);
      return { done, failed: true };
    }
  }
  return { done, failed: false };
}

async function runStep(api: ApiClient, step: PlanItem, ids: IdIndex, resolve: SecretResolver): Promise<void> {
  const path = PATHS[step.kind];
  if (step.action === 'create') {
    const body = toApiBody(step.item, ids, resolve, () => true, true);
    const created = await api.post<Json>(path, body);
    ids.set(step.kind, step.key, String(created.id));
    return;
  }
  const id = ids.get(step.kind, step.key);
  if (!id) throw new ApiError(404, `no id known for ${step.label}`, undefined);
  if (step.action === 'delete') return api.delete(`${path}/${id}`);
  const touched = new Set(step.changes.map((c) => topKey(c)));
  const secretPaths = new Set(step.changes.filter((c) => c.secret && c.secret !== 'clear').map((c) => c.path));
  const partial: Json = {};
  for (const [k, v] of Object.entries(step.item)) {
    const field = k.endsWith('From') && isSecretRef(v) ? k.slice(0, -4) : k;
    if (touched.has(field) && !NATURAL_KEYS[step.kind].includes(k)) partial[k] = v;
  }
  await api.patch(`${path}/${id}`, toApiBody(partial, ids, resolve, (p) => secretPaths.has(p), false));
}

function topKey(c: Change): string {
  return c.path.split('.')[0];
}

/**
 * A document item as an API body: references resolved (only those `includeSecret` admits),
 * profile/deployment names turned into ids, and (on create) nulls left out for the API's defaults.
 */
export function toApiBody(item: Json, ids: IdIndex, resolve: SecretResolver, includeSecret: (path: string) => boolean, dropNulls: boolean): Json {
  const walk = (obj: Json, prefix: string, top: boolean): Json => {
    const out: Json = {};
    for (const [k, v] of Object.entries(obj)) {
      if (v === null && dropNulls) continue;
      if (k.endsWith('From') && isSecretRef(v)) {
        const field = k.slice(0, -4);
        if (includeSecret(prefix + field)) out[field] = resolve(v);
        continue;
      }
      const profileRef = /^(\w*)Profile$/.exec(k);
      if (profileRef && (typeof v === 'string' || v === null)) {
        out[`${profileRef[1]}ProfileId`] = v === null ? null : ids.get('profile', v) ?? missing('profile', v);
        continue;
      }
      if (top && k === 'deployment' && typeof v === 'string') {
        out.deploymentId = ids.get('deployment', v) ?? missing('deployment', v);
        continue;
      }
      out[k] = isPlainObject(v) ? walk(v, `${prefix}${k}.`, false) : v;
    }
    return out;
  };
  return walk(item, '', true);
}

function missing(kind: Kind, name: string): never {
  throw new ApiError(404, `${kind} "${name}" does not exist (an earlier step did not create it)`, undefined);
}
