/**
 * No cluster here: every manifest of the Kustomize base is parsed and validated against the
 * Kubernetes schemas (kubernetes-models), and checked against the code it runs.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { ConfigMap, Service } from 'kubernetes-models/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';

const BASE = join(__dirname, 'base');
const ROOT = join(__dirname, '..', '..');
const KINDS: Record<string, new (o: never) => { validate(): void }> = {
  Deployment, Job, ConfigMap, Service, PodDisruptionBudget, HorizontalPodAutoscaler,
};

interface K8sObject { kind: string; metadata: { name: string }; spec?: Record<string, unknown> }

function loadBase(): K8sObject[] {
  const kustomization = parseAllDocuments(readFileSync(join(BASE, 'kustomization.yaml'), 'utf8'))[0].toJS() as { resources: string[] };
  return kustomization.resources.flatMap((file) =>
    parseAllDocuments(readFileSync(join(BASE, file), 'utf8')).map((d) => d.toJS() as K8sObject).filter(Boolean),
  );
}

describe('Kubernetes manifests', () => {
  const objects = loadBase();

  it('are valid Kubernetes objects', () => {
    expect(objects.length).toBeGreaterThan(10);
    for (const o of objects) {
      const Cls = KINDS[o.kind];
      expect(Cls).toBeDefined();
      expect(() => new Cls(o as never).validate()).not.toThrow();
    }
  });

  it('run each of the four apps, from files that exist, with probes on the port the app listens on', () => {
    const deployments = objects.filter((o) => o.kind === 'Deployment') as unknown as Deployment[];
    expect(deployments.map((d) => d.metadata!.name).sort()).toEqual(
      ['mailrouter-config', 'mailrouter-crm-sync', 'mailrouter-incoming', 'mailrouter-outgoing'],
    );
    for (const d of deployments) {
      const c = d.spec!.template.spec!.containers[0];
      const entry = c.command![c.command!.length - 1];
      expect(existsSync(join(ROOT, entry))).toBe(true);
      const port = c.ports![0].containerPort;
      expect(c.env).toEqual(expect.arrayContaining([{ name: 'PORT', value: String(port) }]));
      expect(c.readinessProbe?.httpGet?.path).toBe('/health/ready');
      expect(c.envFrom).toEqual(expect.arrayContaining([{ secretRef: { name: 'mailrouter-secrets' } }]));
    }
  });
});
