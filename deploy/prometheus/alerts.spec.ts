/**
 * The alerting rules only use metrics and labels the apps really export: a renamed metric
 * must not leave an alert that can never fire.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { RouterMetrics } from '@mailrouter/messaging';

interface Rule { alert: string; expr: string; for?: string; labels: { severity: string }; annotations: { summary: string; description: string } }

const rules = (parse(readFileSync(join(__dirname, 'alerts.yaml'), 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);

describe('Prometheus alerting rules', () => {
  const metrics = new RouterMetrics({ appName: 'spec', lagIntervalMs: 1000 });

  it('each have a severity, a summary and a description', () => {
    expect(rules.length).toBeGreaterThanOrEqual(8);
    for (const r of rules) {
      expect(['warning', 'critical']).toContain(r.labels.severity);
      expect(r.annotations.summary.length).toBeGreaterThan(10);
      expect(r.annotations.description.length).toBeGreaterThan(10);
    }
  });

  it('use only metrics and label matchers the apps export', async () => {
    const exported = new Set((await metrics.registry.getMetricsAsJSON()).map((m) => m.name));
    const labelsOf = (name: string): Set<string> =>
      new Set([...(metrics.registry.getSingleMetric(name) as unknown as { labelNames: string[] }).labelNames, 'app', 'le']);
    for (const r of rules) {
      // A histogram is exported as <name>_bucket / _count / _sum.
      for (const m of r.expr.matchAll(/(mailrouter_\w+?)(_bucket|_count|_sum)?(\{([^}]*)\})?(?=[\s[)]|$)/g)) {
        const name = m[1];
        expect({ alert: r.alert, metric: name, exported: exported.has(name) }).toEqual({ alert: r.alert, metric: name, exported: true });
        for (const matcher of (m[4] ?? '').matchAll(/(\w+)\s*(=~|!=|!~|=)/g)) {
          expect({ alert: r.alert, label: matcher[1], known: labelsOf(name).has(matcher[1]) }).toEqual({ alert: r.alert, label: matcher[1], known: true });
        }
      }
    }
  });
});
