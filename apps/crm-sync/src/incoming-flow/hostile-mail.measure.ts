/**
 * What one hostile-mail case costs the process that handles it (crm-sync runs in the test's
 * process): wall time, peak memory, and the longest the event loop was blocked.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';

/** How often memory and timer drift are sampled. */
const SAMPLE_MS = 20;
const MB = 1024 * 1024;

export interface CaseCost {
  ms: number;
  /** Highest resident set size seen (MB), and how far above the case's start it went. */
  peakRssMb: number;
  rssGrowthMb: number;
  peakHeapMb: number;
  /**
   * The longest block of the event loop (ms): the larger of perf_hooks' delay histogram and a
   * timer's drift (a block delays the next sample by as long as it lasts).
   */
  maxLoopBlockMs: number;
}

export interface CostMeter {
  stop(): CaseCost;
}

export function startCostMeter(): CostMeter {
  const started = performance.now();
  const startRss = process.memoryUsage.rss();
  let peakRss = startRss;
  let peakHeap = process.memoryUsage().heapUsed;
  let maxDrift = 0;
  let last = performance.now();
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  const sample = () => {
    const now = performance.now();
    maxDrift = Math.max(maxDrift, now - last - SAMPLE_MS);
    last = now;
    const mem = process.memoryUsage();
    peakRss = Math.max(peakRss, mem.rss);
    peakHeap = Math.max(peakHeap, mem.heapUsed);
  };
  const timer = setInterval(sample, SAMPLE_MS);
  return {
    stop() {
      sample();
      clearInterval(timer);
      histogram.disable();
      return {
        ms: Math.round(performance.now() - started),
        peakRssMb: Math.round(peakRss / MB),
        rssGrowthMb: Math.round((peakRss - startRss) / MB),
        peakHeapMb: Math.round(peakHeap / MB),
        maxLoopBlockMs: Math.round(Math.max(histogram.max / 1e6, maxDrift)),
      };
    },
  };
}
