import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import type { BenchSizes } from './scale';
import { measuredTree } from './snapshot';

export const RESULTS_DIR = process.env.BENCH_RESULTS_DIR ?? join(__dirname, '..', '..', 'bench-results');

export interface BenchResult {
  name: string;
  /** What was measured, in a sentence. */
  what: string;
  /** The router's figures. */
  figures: Record<string, number | string | null>;
  /** The baseline's figures, measured in the same run. */
  baseline: Record<string, number | string | null>;
  /** router ÷ baseline, with its meaning. */
  ratio: { value: number | null; meaning: string; target?: string; met?: boolean };
  notes?: string[];
}

/** Prints a result and writes bench-results/<name>.json. */
export function record(input: BenchResult, sizes: BenchSizes): void {
  // BENCH_RESULT_SUFFIX (e.g. -tuned) keeps a what-if run from overwriting the default figures.
  const result = { ...input, name: `${input.name}${process.env.BENCH_RESULT_SUFFIX ?? ''}` };
  mkdirSync(RESULTS_DIR, { recursive: true });
  const doc = {
    ...result,
    scale: sizes.scale,
    sizes,
    machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavgAtEnd: loadavg().map((l) => Math.round(l * 100) / 100) },
    node: process.version,
    routerEnv: process.env.BENCH_ROUTER_ENV ?? '',
    replicas: process.env.BENCH_REPLICAS || 'one process per app',
    smtpMaxConnections: process.env.BENCH_SMTP_MAX_CONNECTIONS ?? 'profile default',
    measured: measuredTree(),
    at: new Date().toISOString(),
  };
  writeFileSync(join(RESULTS_DIR, `${result.name}.json`), JSON.stringify(doc, null, 2) + '\n');
  const line = (o: Record<string, unknown>) => Object.entries(o).map(([k, v]) => `${k}=${v}`).join('  ');
  console.log(`\n== ${result.name}: ${result.what}`);
  console.log(`   router:   ${line(result.figures)}`);
  console.log(`   baseline: ${line(result.baseline)}`);
  const r = result.ratio;
  console.log(`   ratio:    ${r.value} (${r.meaning})${r.target ? `  target ${r.target}: ${r.met ? 'met' : 'NOT met'}` : ''}`);
  if (process.env.BENCH_REPLICAS) console.log(`   note: replicas ${process.env.BENCH_REPLICAS} (BENCH_REPLICAS; the others one process each)`);
  for (const n of result.notes ?? []) console.log(`   note: ${n}`);
  console.log(`   → ${join('bench-results', `${result.name}.json`)}`);
}
