/**
 * No cluster here: every overlay is rendered (deploy/k8s/kustomize.ts), every object is
 * validated against the Kubernetes and KEDA schemas (kubernetes-models), and the manifests
 * are checked against the code they run: entry files, ports, probes, every environment
 * variable each app reads, the JetStream streams and durable consumers KEDA watches.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ZodObject, ZodType } from 'zod';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { ConfigMap, IContainer, Service } from 'kubernetes-models/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { EVENTS, EventName, streamName } from '@mailrouter/contracts';
import { databaseEnv, logEnv, natsEnv, portEnv } from '@mailrouter/platform';
import { metricsEnv } from '@mailrouter/messaging';
import { configEnv } from '../../apps/config/src/settings';
import { crmSyncEnv } from '../../apps/crm-sync/src/settings';
import { connectorsEnv } from '../../apps/crm-sync/src/connectors/connectors.settings';
import { incomingEnv } from '../../apps/incoming/src/settings';
import { outgoingEnv } from '../../apps/outgoing/src/settings';
import { K8sObject, render, strategicMerge } from './kustomize';

const ROOT = join(__dirname, '..', '..');
type Env = ZodObject<Record<string, ZodType>>;
const OVERLAYS = ['dev', 'production', 'production-hpa'];
const APPS = ['config', 'crm-sync', 'incoming', 'outgoing'] as const;
type App = (typeof APPS)[number];
const DEFAULT_PORTS: Record<App, number> = { config: 3000, 'crm-sync': 3001, incoming: 3002, outgoing: 3003 };

const KINDS: Record<string, new (o: never) => { validate(): void }> = {
  Deployment, Job, ConfigMap, Service, PodDisruptionBudget, HorizontalPodAutoscaler, NetworkPolicy, ScaledObject,
};

/** What each app reads from its environment: the shared schemas (bootstrap, database, NATS, metrics) and its own. */
const SHARED_ENV = [databaseEnv, natsEnv, logEnv, metricsEnv] as Env[];
const APP_ENV: Record<App, Env> = {
  config: configEnv as unknown as Env,
  'crm-sync': crmSyncEnv as unknown as Env,
  incoming: incomingEnv as unknown as Env,
  outgoing: outgoingEnv as unknown as Env,
};
/** Read outside the schemas: bootstrap's HOST, and Node / SWC. */
const OTHER_ENV = new Set(['HOST', 'NODE_ENV', 'NODE_OPTIONS', 'SWC_NODE_CACHE_DIR']);
/** Values standing in for the Secret's keys when the app's schema parses the rendered environment. */
const SECRET_SAMPLES: Record<string, string> = {
  DATABASE_URL: 'postgres://mailrouter@db.example:5432/mailrouter',
  ROUTER_API_TOKEN: 'x'.repeat(32),
  ROUTER_SECRET_KEY: Buffer.alloc(32, 7).toString('base64'),
  METRICS_TOKEN: 'm'.repeat(32),
};

function schemaFor(app: App): Env[] {
  // crm-sync's CRM connectors read their own variables (the secret key, Dataverse retries).
  const extra = app === 'crm-sync' ? [connectorsEnv as unknown as Env] : [];
  return [...SHARED_ENV, portEnv('PORT', DEFAULT_PORTS[app]) as Env, APP_ENV[app], ...extra];
}

function byKind<T>(objects: K8sObject[], kind: string): T[] {
  return objects.filter((o) => o.kind === kind) as unknown as T[];
}

function appOf(d: Deployment): App {
  return d.metadata!.labels!['app.kubernetes.io/component'] as App;
}

/** The environment a container gets: name → value (secrets as their sample values). */
function containerEnv(objects: K8sObject[], c: IContainer): Map<string, string> {
  const env = new Map<string, string>();
  for (const from of c.envFrom ?? []) {
    expect(from.secretRef).toBeUndefined(); // secrets by key only: what a pod sees is visible here
    const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === from.configMapRef?.name);
    expect(cm).toBeDefined();
    for (const [k, v] of Object.entries(cm!.data ?? {})) env.set(k, v);
  }
  for (const e of c.env ?? []) {
    if (e.valueFrom) {
      const { optional, ...ref } = e.valueFrom.secretKeyRef ?? {};
      expect(ref).toEqual({ name: 'mailrouter-secrets', key: e.name });
      // An optional key (ROUTER_SECRET_KEYS_PREVIOUS) is absent from the Secret but during a rotation.
      if (optional) expect(SECRET_SAMPLES[e.name]).toBeUndefined();
      else env.set(e.name, SECRET_SAMPLES[e.name]);
    } else env.set(e.name, e.value ?? '');
  }
  return env;
}

/** Durable consumers the apps create, from their sources: durable → { app, event }. */
function durablesInCode(): Map<string, { app: App; event: EventName }> {
  const found = new Map<string, { app: App; event: EventName }>();
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? walk(join(dir, f)) : f.endsWith('.ts') && !f.includes('spec') ? [join(dir, f)] : []));
  for (const app of APPS) {
    for (const file of walk(join(ROOT, 'apps', app, 'src'))) {
      const src = readFileSync(file, 'utf8');
      for (const m of src.matchAll(/event:\s*'(\w+)',\s*durable:\s*('([^']+)'|(\w+))/g)) {
        const name = m[3] ?? new RegExp(`${m[4]}\\s*=\\s*'([^']+)'`).exec(src)?.[1];
        if (name) found.set(name, { app, event: m[1] as EventName });
      }
    }
  }
  return found;
}

/** Whether a NetworkPolicy's podSelector selects the pods of a Deployment. */
function selects(policy: NetworkPolicy, d: Deployment): boolean {
  const labels = d.spec!.template.metadata!.labels!;
  return Object.entries(policy.spec!.podSelector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
}

function egressPorts(objects: K8sObject[], d: Deployment): Set<number | string> {
  return new Set(byKind<NetworkPolicy>(objects, 'NetworkPolicy').filter((p) => selects(p, d))
    .flatMap((p) => (p.spec!.egress ?? []).flatMap((r) => (r.ports ?? []).map((port) => port.port!))));
}

describe.each(OVERLAYS)('overlay %s', (overlay) => {
  const objects = render(join(__dirname, 'overlays', overlay));
  const deployments = byKind<Deployment>(objects, 'Deployment');

  it('renders only valid Kubernetes and KEDA objects, in one namespace', () => {
    expect(objects.length).toBeGreaterThan(20);
    for (const o of objects) {
      const Cls = KINDS[o.kind];
      expect({ kind: o.kind, known: !!Cls }).toEqual({ kind: o.kind, known: true });
      expect(() => new Cls(o as never).validate()).not.toThrow();
      expect(o.metadata.namespace).toBe(overlay === 'dev' ? 'mailrouter-dev' : 'mailrouter');
    }
  });

  it('runs each app from a file that exists, non-root on a read-only root, probed on the port it listens on, with requests and limits', () => {
    expect(deployments.map(appOf).sort()).toEqual([...APPS]);
    for (const d of deployments) {
      const app = appOf(d);
      const pod = d.spec!.template.spec!;
      const c = pod.containers[0];
      expect(c.command).toEqual(['node', '-r', './tools/register.js', `apps/${app}/src/main.ts`]);
      expect(existsSync(join(ROOT, c.command![3]))).toBe(true);
      expect(c.image).toMatch(overlay === 'dev' ? /^mailrouter:dev$/ : /^ghcr\.io\/mailrouter\/mailrouter:\d+\.\d+\.\d+$/);
      const port = c.ports!.find((p) => p.name === 'http')!.containerPort;
      expect(port).toBe(DEFAULT_PORTS[app]);
      expect(c.env).toEqual(expect.arrayContaining([{ name: 'PORT', value: String(port) }]));
      expect(c.readinessProbe?.httpGet).toEqual({ path: '/health/ready', port: 'http' });
      expect(c.livenessProbe?.httpGet).toEqual({ path: '/health/live', port: 'http' });
      expect(c.startupProbe?.httpGet?.path).toBe('/health/live');
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
      expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
      expect(c.volumeMounts).toEqual(expect.arrayContaining([expect.objectContaining({ mountPath: '/tmp' })]));
      for (const r of ['requests', 'limits'] as const) expect(c.resources?.[r]).toEqual(expect.objectContaining({ cpu: expect.anything(), memory: expect.anything() }));
      expect(d.spec!.template.metadata!.annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(port), 'prometheus.io/path': '/metrics' });
      if (overlay === 'dev') expect(d.spec!.replicas).toBe(1);
    }
  });

  it('gives each app every variable it requires, only variables it reads, with values its schema accepts', () => {
    for (const d of deployments) {
      const app = appOf(d);
      const env = containerEnv(objects, d.spec!.template.spec!.containers[0]);
      const schemas = schemaFor(app);
      const known = new Set([...OTHER_ENV, ...schemas.flatMap((s) => Object.keys(s.shape))]);
      const required = schemas.flatMap((s) => Object.entries(s.shape).filter(([, f]) => !f.safeParse(undefined).success).map(([k]) => k));
      expect({ app, missing: required.filter((k) => !env.has(k)) }).toEqual({ app, missing: [] });
      expect({ app, unknown: [...env.keys()].filter((k) => !known.has(k)) }).toEqual({ app, unknown: [] });
      const values = Object.fromEntries(env);
      for (const s of schemas) {
        const parsed = s.safeParse(values);
        expect({ app, problems: parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) }).toEqual({ app, problems: [] });
      }
    }
  });

  it('has a Service on the http port and a PodDisruptionBudget for each app', () => {
    for (const d of deployments) {
      const name = d.metadata!.name!;
      const svc = byKind<Service>(objects, 'Service').find((s) => s.metadata!.name === name)!;
      expect(svc.spec!.selector).toEqual(d.spec!.selector.matchLabels);
      expect(svc.spec!.ports).toEqual([expect.objectContaining({ port: DEFAULT_PORTS[appOf(d)], targetPort: 'http' })]);
      const pdb = byKind<PodDisruptionBudget>(objects, 'PodDisruptionBudget').find((p) => p.metadata!.name === name)!;
      expect(pdb.spec!.selector!.matchLabels).toEqual(d.spec!.selector.matchLabels);
    }
  });

  it('lets each app reach only NATS, PostgreSQL, DNS, the trace collector and its own mail or CRM servers', () => {
    const policies = byKind<NetworkPolicy>(objects, 'NetworkPolicy');
    const deny = policies.find((p) => p.metadata!.name === 'mailrouter-default-deny')!;
    expect(deny.spec!.policyTypes).toEqual(['Ingress', 'Egress']);
    // 4318: OTLP/HTTP to an OpenTelemetry Collector in namespace `observability`.
    const expected: Record<App, (number | string)[]> = {
      config: [53, 4222, 5432, 4318],
      'crm-sync': [53, 4222, 5432, 4318, 443],
      incoming: [53, 4222, 5432, 4318, 143, 993, 110, 995, 443],
      outgoing: [53, 4222, 5432, 4318, 25, 465, 587, 443],
    };
    for (const d of deployments) {
      expect(selects(deny, d)).toBe(true);
      expect([...egressPorts(objects, d)].sort()).toEqual(expected[appOf(d)].sort());
    }
    const admin = (app: App) => policies.filter((p) => selects(p, deployments.find((d) => appOf(d) === app)!))
      .flatMap((p) => p.spec!.ingress ?? []).some((r) => r.from?.some((f) => f.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === 'mailrouter-admin'));
    expect(APPS.filter(admin)).toEqual(['config', 'crm-sync']);
    // The migration Job's pods fall under the same default deny and reach PostgreSQL.
    const job = byKind<Job>(objects, 'Job')[0];
    expect(policies.some((p) => p.metadata!.name === 'mailrouter-egress-postgres' && Object.entries(p.spec!.podSelector.matchLabels!).every(([k, v]) => job.spec!.template.metadata!.labels![k] === v))).toBe(true);
  });

  it('migrates every schema with a Job that can be applied alone before the apps', () => {
    const jobs = byKind<Job>(objects, 'Job');
    expect(jobs.map((j) => j.metadata!.name)).toEqual(['mailrouter-migrate']);
    const job = jobs[0];
    expect(job.metadata!.labels!['app.kubernetes.io/component']).toBe('migration');
    const c = job.spec!.template.spec!.containers[0];
    expect(existsSync(join(ROOT, c.command![3]))).toBe(true);
    const env = containerEnv(objects, c);
    expect(databaseEnv.safeParse(Object.fromEntries(env)).success).toBe(true);
    expect(env.get('DATABASE_URL')).toBe(SECRET_SAMPLES.DATABASE_URL);
    expect(c.image).toBe(deployments[0].spec!.template.spec!.containers[0].image);
  });

  it('scales the consumers on the JetStream lag of the durables the apps create, or on CPU', () => {
    const scaled = byKind<ScaledObject>(objects, 'ScaledObject');
    const hpas = byKind<HorizontalPodAutoscaler>(objects, 'HorizontalPodAutoscaler');
    const names = (xs: { spec?: { scaleTargetRef: { name: string } } }[]) => xs.map((x) => x.spec!.scaleTargetRef.name).sort();
    const consumers = ['mailrouter-crm-sync', 'mailrouter-incoming', 'mailrouter-outgoing'];
    if (overlay === 'dev') {
      expect([scaled.length, hpas.length]).toEqual([0, 0]);
      return;
    }
    if (overlay === 'production-hpa') {
      expect(scaled).toHaveLength(0);
      expect(names(hpas as never)).toEqual(consumers);
      return;
    }
    expect(hpas).toHaveLength(0); // KEDA makes its own HPA; a second one would fight it
    expect(names(scaled as never)).toEqual(consumers);
    const prefix = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'mailrouter-common')!.data!.NATS_PREFIX;
    const durables = durablesInCode();
    const watched = new Map<string, string>();
    for (const so of scaled) {
      const target = deployments.find((d) => d.metadata!.name === so.spec!.scaleTargetRef.name)!;
      expect(target).toBeDefined();
      expect(so.spec!.minReplicaCount).toBeGreaterThanOrEqual(1);
      expect(so.spec!.maxReplicaCount).toBeGreaterThan(so.spec!.minReplicaCount!);
      for (const t of so.spec!.triggers.filter((tr) => tr.type === 'nats-jetstream')) {
        const durable = durables.get(t.metadata.consumer);
        expect({ consumer: t.metadata.consumer, app: durable?.app }).toEqual({ consumer: t.metadata.consumer, app: appOf(target) });
        expect(t.metadata.stream).toBe(streamName(prefix, EVENTS[durable!.event].stream));
        expect(Number(t.metadata.lagThreshold)).toBeGreaterThan(0);
        watched.set(appOf(target), t.metadata.consumer);
      }
    }
    expect(Object.fromEntries(watched)).toEqual({ 'crm-sync': 'crm-sync-received', outgoing: 'outgoing-send-commands', incoming: 'incoming-verdicts' });
  });
});

describe('the Kustomize renderer', () => {
  it('merges lists of named items by name, replaces other lists, and deletes on request', () => {
    const base = { spec: { containers: [{ name: 'a', image: 'x', env: [{ name: 'K', value: '1' }] }, { name: 'b' }], ports: [1, 2] } };
    const patch = { spec: { containers: [{ name: 'a', env: [{ name: 'L', value: '2' }] }, { name: 'b', $patch: 'delete' }], ports: [3] } };
    expect(strategicMerge(base, patch)).toEqual({
      spec: { containers: [{ name: 'a', image: 'x', env: [{ name: 'K', value: '1' }, { name: 'L', value: '2' }] }], ports: [3] },
    });
  });

  it('refuses a kustomization feature it does not implement instead of ignoring it', () => {
    expect(() => render(join(__dirname, 'testdata', 'unsupported'))).toThrow(/does not support configMapGenerator/);
  });
});
