/**
 * `npm run bench` — MailRouter's benchmarks, each against a baseline measured in the same run.
 *   BENCH_SCALE=small|full (default small)   BENCH_ONLY=outgoing,incoming,latency,idle (default all)
 *   BENCH_TREE=HEAD (or any git rev): measure that commit, exported to /tmp, not the working tree
 *   BENCH_MIXES=text-5k,mixed: only these incoming mixes (default all)
 *   BENCH_CPU_PROF=1: the services write V8 CPU profiles to bench-results/profiles/ (summarised at the end), from the
 *     first measured run's start (publish) to their exit
 * Results: printed, and written to bench-results/<name>.json. See docs/performance.md.
 */
import 'reflect-metadata';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { SmtpSink, startTestDovecot } from '@mailrouter/testing';
import { BaselineDb } from './baselines/baseline-db';
import { costPerMessage } from './cost';
import { idleScale } from './idle-scale.bench';
import { CostSample, incomingThroughput } from './incoming.bench';
import { latency } from './latency.bench';
import { outgoingThroughput } from './outgoing.bench';
import { BenchRouter } from './support/bench-router';
import { printProfiles } from './support/profile-summary';
import { RESULTS_DIR } from './support/results';
import { MessageMix, MIXES } from './support/mail';
import { benchSizes } from './support/scale';
import { runInSnapshotIfAsked } from './support/snapshot';

const ALL = ['outgoing', 'incoming', 'latency', 'idle'] as const;
type Part = (typeof ALL)[number];

async function main(): Promise<void> {
  const sizes = benchSizes();
  const only = (process.env.BENCH_ONLY ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = only.filter((p) => !(ALL as readonly string[]).includes(p));
  if (unknown.length) throw new Error(`BENCH_ONLY: unknown part(s) ${unknown.join(', ')}; known: ${ALL.join(', ')}`);
  const want = (p: Part) => only.length === 0 || only.includes(p);
  console.log(`MailRouter benchmarks, scale ${sizes.scale}: ${JSON.stringify(sizes)}`);
  startTestDovecot();

  const costs: CostSample[] = [];
  if (want('outgoing') || want('incoming') || want('latency')) {
    const sink = await new SmtpSink().start();
    const profiles = join(RESULTS_DIR, 'profiles', new Date().toISOString().replace(/[:.]/g, '-'));
    const profiling = process.env.BENCH_CPU_PROF === '1';
    if (profiling) mkdirSync(profiles, { recursive: true });
    const bench = new BenchRouter(profiling ? { NODE_OPTIONS: `--require ${join(__dirname, 'support', 'cpu-profiler.js')}`, BENCH_PROFILE_DIR: profiles, BENCH_PROFILE_FROM_SIGNAL: '1' } : {});
    const db = await new BaselineDb().open();
    try {
      await bench.start(sink);
      // Outgoing first: its emails are composed before the first configuration is published.
      if (want('outgoing')) costs.push(await outgoingThroughput(bench, sink, sizes));
      if (want('incoming')) for (const mix of mixes()) costs.push(await incomingThroughput(bench, db, sizes, mix));
      if (want('latency')) await latency(bench, db, sizes);
    } finally {
      await bench.stop();
      await db.close();
      await sink.stop();
    }
    if (costs.length) costPerMessage(costs, sizes);
    if (profiling) printProfiles(profiles);
  }
  if (want('idle')) await idleScale(sizes);
}

/** BENCH_MIXES: the incoming mixes to run (default all). */
function mixes(): MessageMix[] {
  const asked = (process.env.BENCH_MIXES ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = asked.filter((m) => !(MIXES as string[]).includes(m));
  if (unknown.length) throw new Error(`BENCH_MIXES: unknown mix(es) ${unknown.join(', ')}; known: ${MIXES.join(', ')}`);
  return asked.length ? MIXES.filter((m) => asked.includes(m)) : MIXES;
}

const snapshotExit = runInSnapshotIfAsked();
if (snapshotExit !== undefined) process.exit(snapshotExit);
else main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
