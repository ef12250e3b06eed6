/**
 * Metrics settings, read by every app (GET /metrics on the app's HTTP port, no token).
 *
 * | variable                 | default | meaning |
 * | ------------------------ | ------- | ------- |
 * | METRICS_LAG_INTERVAL_MS  | 5000    | how often the JetStream consumer lag (num_pending) of this app's durables is sampled |
 */
import { intFromEnv, parseEnv } from '@mailrouter/platform';
import { z } from 'zod';

export const metricsEnv = z.object({
  METRICS_LAG_INTERVAL_MS: intFromEnv(5_000),
});

export interface MetricsSettings {
  appName: string;
  lagIntervalMs: number;
}

export const METRICS_SETTINGS = Symbol('METRICS_SETTINGS');

export function metricsSettingsFromEnv(appName: string, env: NodeJS.ProcessEnv = process.env): MetricsSettings {
  const e = parseEnv(metricsEnv, env);
  return { appName, lagIntervalMs: e.METRICS_LAG_INTERVAL_MS };
}
