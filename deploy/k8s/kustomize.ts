/**
 * A tiny Kustomize renderer for the features deploy/k8s uses, so the manifests can be rendered
 * and checked with nothing but Node (no kubectl, no cluster):
 *   resources (files and directories), components, namespace, labels (pairs, includeTemplates,
 *   includeSelectors), images (newName, newTag, digest), replicas, and patches given by path
 *   (strategic merge: maps merge, lists of objects merge by `name` — or `mountPath` — and
 *   `$patch: delete` removes an item; other lists are replaced).
 * Anything else in a kustomization fails loudly, so a feature this renderer does not know is
 * never silently ignored. `kubectl kustomize` (kustomize ≥ 4) renders the same trees.
 *
 *   node -r ./tools/register.js deploy/k8s/kustomize.ts deploy/k8s/overlays/production
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  [key: string]: unknown;
}

interface Kustomization {
  apiVersion?: string;
  kind?: string;
  namespace?: string;
  resources?: string[];
  components?: string[];
  labels?: { pairs: Record<string, string>; includeSelectors?: boolean; includeTemplates?: boolean }[];
  images?: { name: string; newName?: string; newTag?: string; digest?: string }[];
  replicas?: { name: string; count: number }[];
  patches?: { path: string }[];
}

const KNOWN_FIELDS = new Set(['apiVersion', 'kind', 'namespace', 'resources', 'components', 'labels', 'images', 'replicas', 'patches']);
/** Kinds that live outside any namespace (the namespace transformer leaves them alone). */
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'ClusterTriggerAuthentication', 'PriorityClass', 'StorageClass']);
/** Kinds whose pod template gets `includeTemplates` labels. */
const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'ReplicaSet']);

function readYaml(file: string): unknown[] {
  return parseAllDocuments(readFileSync(file, 'utf8'))
    .map((d) => {
      if (d.errors.length) throw new Error(`${file}: ${d.errors[0].message}`);
      return d.toJS();
    })
    .filter((o) => o !== null && o !== undefined);
}

function readKustomization(dir: string): Kustomization {
  const file = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'].map((f) => join(dir, f)).find(existsSync);
  if (!file) throw new Error(`${dir}: no kustomization.yaml`);
  const k = readYaml(file)[0] as Kustomization;
  const unknown = Object.keys(k).filter((f) => !KNOWN_FIELDS.has(f));
  if (unknown.length) throw new Error(`${file}: this renderer does not support ${unknown.join(', ')}`);
  return k;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function mergeKey(list: unknown[]): string | undefined {
  if (!list.length || !list.every(isObject)) return undefined;
  for (const key of ['name', 'mountPath']) if (list.every((i) => typeof (i as Record<string, unknown>)[key] === 'string')) return key;
  return undefined;
}

/** Strategic merge of `patch` into `target` (returns a new value). */
export function strategicMerge(target: unknown, patch: unknown): unknown {
  if (isObject(target) && isObject(patch)) {
    const out: Record<string, unknown> = { ...target };
    for (const [k, v] of Object.entries(patch)) {
      if (v === null) delete out[k];
      else out[k] = k in target ? strategicMerge(target[k], v) : v;
    }
    return out;
  }
  if (Array.isArray(target) && Array.isArray(patch)) {
    const key = mergeKey([...target, ...patch.filter((p) => !(isObject(p) && p['$patch'] === 'delete' && Object.keys(p).length === 1))]);
    if (!key) return patch;
    const out = [...target] as Record<string, unknown>[];
    for (const p of patch as Record<string, unknown>[]) {
      const i = out.findIndex((t) => t[key] === p[key]);
      if (p['$patch'] === 'delete') {
        if (i >= 0) out.splice(i, 1);
      } else if (i >= 0) out[i] = strategicMerge(out[i], p) as Record<string, unknown>;
      else out.push(p);
    }
    return out;
  }
  return patch;
}

function applyImages(node: unknown, images: NonNullable<Kustomization['images']>): unknown {
  if (Array.isArray(node)) return node.map((n) => applyImages(n, images));
  if (!isObject(node)) return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'image' && typeof v === 'string') {
      const [, name, tag] = /^([^:@]+(?::\d+\/[^:@]+)?)(?::([^@]+))?/.exec(v) ?? [];
      const rule = images.find((i) => i.name === name);
      out[k] = rule
        ? `${rule.newName ?? name}${rule.digest ? `@${rule.digest}` : rule.newTag ? `:${rule.newTag}` : tag ? `:${tag}` : ''}`
        : v;
    } else out[k] = applyImages(v, images);
  }
  return out;
}

function transform(objects: K8sObject[], k: Kustomization, dir: string): K8sObject[] {
  let out = objects;
  for (const p of k.patches ?? []) {
    for (const patch of readYaml(join(dir, p.path)) as K8sObject[]) {
      const i = out.findIndex((o) => o.kind === patch.kind && o.metadata.name === patch.metadata.name);
      if (i < 0) throw new Error(`${join(dir, p.path)}: no ${patch.kind} ${patch.metadata.name} to patch`);
      out = out.map((o, j) => (j === i ? (strategicMerge(o, patch) as K8sObject) : o));
    }
  }
  for (const r of k.replicas ?? []) {
    const target = out.filter((o) => o.metadata.name === r.name && WORKLOADS.has(o.kind));
    if (!target.length) throw new Error(`${dir}: replicas for unknown ${r.name}`);
    for (const o of target) o.spec = { ...o.spec, replicas: r.count };
  }
  if (k.images?.length) out = out.map((o) => applyImages(o, k.images!) as K8sObject);
  for (const l of k.labels ?? []) {
    out = out.map((o) => {
      const c = structuredClone(o);
      c.metadata.labels = { ...c.metadata.labels, ...l.pairs };
      const spec = c.spec as { template?: { metadata?: { labels?: Record<string, string> } }; selector?: { matchLabels?: Record<string, string> } } | undefined;
      if ((l.includeTemplates || l.includeSelectors) && spec?.template && WORKLOADS.has(c.kind)) {
        spec.template.metadata = { ...spec.template.metadata, labels: { ...spec.template.metadata?.labels, ...l.pairs } };
      }
      if (l.includeSelectors && spec?.selector?.matchLabels) spec.selector.matchLabels = { ...spec.selector.matchLabels, ...l.pairs };
      return c;
    });
  }
  if (k.namespace) {
    out = out.map((o) => (CLUSTER_SCOPED.has(o.kind) ? o : { ...o, metadata: { ...o.metadata, namespace: k.namespace } }));
  }
  return out;
}

function load(path: string): K8sObject[] {
  return statSync(path).isDirectory() ? render(path) : (readYaml(path) as K8sObject[]);
}

/** Renders the kustomization in `dir` to its list of objects (in resource order). */
export function render(dir: string): K8sObject[] {
  const abs = resolve(dir);
  const k = readKustomization(abs);
  let objects = (k.resources ?? []).flatMap((r) => load(join(abs, r)));
  for (const c of k.components ?? []) {
    const cdir = join(abs, c);
    const ck = readKustomization(cdir);
    if (ck.kind !== 'Component') throw new Error(`${cdir}: not a Component`);
    if (ck.namespace) throw new Error(`${cdir}: a component does not set the namespace here`);
    objects = transform([...objects, ...(ck.resources ?? []).flatMap((r) => load(join(cdir, r)))], ck, cdir);
  }
  objects = transform(objects, k, abs);
  const seen = new Set<string>();
  for (const o of objects) {
    const id = `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    if (seen.has(id)) throw new Error(`${abs}: ${id} defined twice`);
    seen.add(id);
  }
  return objects;
}

export function toYaml(objects: K8sObject[]): string {
  return objects.map((o) => stringify(o)).join('---\n');
}

if (require.main === module) {
  const dir = process.argv[2];
  if (!dir) {
    console.error(`usage: node -r ./tools/register.js ${join(dirname(__filename), 'kustomize.ts')} <dir>`);
    process.exit(2);
  }
  process.stdout.write(toYaml(render(dir)));
}
