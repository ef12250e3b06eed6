import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
  startTime: number;
  endTime: number;
}

/** Where a V8 .cpuprofile spent its self time, grouped by function (top `limit`) and by package / workspace folder. */
export function summarizeProfile(file: string, limit = 15): { totalMs: number; functions: string[]; areas: string[] } {
  const prof = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  const samples = prof.samples ?? [];
  const deltas = prof.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) self.set(samples[i], (self.get(samples[i]) ?? 0) + (deltas[i] ?? 0) / 1000);
  const fn = new Map<string, number>();
  const area = new Map<string, number>();
  let total = 0;
  for (const [id, ms] of self) {
    const node = byId.get(id);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)' || functionName === '(program)') continue;
    total += ms;
    const short = url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, 'node_modules/').replace(/^\/tmp\/mailrouter-bench-[0-9a-f]+\//, '').replace(/^\/work\/main\//, '');
    const key = `${functionName || '(anonymous)'} ${short}:${lineNumber + 1}`;
    fn.set(key, (fn.get(key) ?? 0) + ms);
    const m = /^node_modules\/((@[^/]+\/)?[^/]+)/.exec(short);
    const a = m ? m[1] : /^(apps\/[^/]+|libs\/[^/]+)/.exec(short)?.[1] ?? (short.startsWith('node:') || !short ? '(node core / native)' : short);
    area.set(a, (area.get(a) ?? 0) + ms);
  }
  const top = (map: Map<string, number>) => [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, limit)
    .map(([k, ms]) => `${((100 * ms) / total).toFixed(1).padStart(5)}%  ${Math.round(ms)} ms  ${k}`);
  return { totalMs: Math.round(total), functions: top(fn), areas: top(area) };
}

/** Prints a summary of every .cpuprofile in `dir`. */
export function printProfiles(dir: string): void {
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.cpuprofile'))) {
    const s = summarizeProfile(join(dir, f));
    console.log(`\n-- profile ${f}: ${s.totalMs} ms on CPU (self time)\n   by area:\n     ${s.areas.join('\n     ')}\n   by function:\n     ${s.functions.join('\n     ')}`);
  }
}

if (require.main === module) printProfiles(process.argv[2] ?? '.');
