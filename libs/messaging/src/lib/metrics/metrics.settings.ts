/**
 * Metrics settings, read by every app (GET /metrics on the app's HTTP port).
 *
 * | variable                 | default | meaning |
 * | ------------------------ | ------- | ------- |
 * | METRICS_LAG_INTERVAL_MS  | 5000    | how often the JetStream consumer lag (num_pending) of this app's durables is sampled |
 * | METRICS_TOKEN            | (none)  | when set (≥ 16 characters), GET /metrics requires `Authorization: Bearer <it>`; unset, /metrics is open like /health (keep it inside the cluster) |
 */
import { intFromEnv, parseEnv } from '@mailrouter/platform';
import { z } from 'zod';

export const metricsEnv = z.object({
  METRICS_LAG_INTERVAL_MS: intFromEnv(5_000),
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
});

export interface MetricsSettings {
  appName: string;
  lagIntervalMs: number;
  /** Bearer token a scrape must send (Prometheus `authorization.credentials_file`); none: open. */
  token?: string;
}

export const METRICS_SETTINGS = Symbol('METRICS_SETTINGS');

export function metricsSettingsFromEnv(appName: string, env: NodeJS.ProcessEnv = process.env): MetricsSettings {
  const e = parseEnv(metricsEnv, env);
  return { appName, lagIntervalMs: e.METRICS_LAG_INTERVAL_MS, ...(e.METRICS_TOKEN ? { token: e.METRICS_TOKEN } : {}) };
}
