/**
 * Prints the latest bench-results/*.json as the Markdown table kept in docs/performance.md:
 *   node -r ./tools/register.js bench/table.ts
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RESULTS_DIR } from './support/results';

interface Stored {
  name: string;
  figures: Record<string, unknown>;
  baseline: Record<string, unknown>;
  ratio: { value: number | null; meaning: string; target?: string; met?: boolean };
  scale: string;
  at: string;
  measured?: { commit: string; tree: string };
}

const ORDER = ['incoming-throughput', 'outgoing-throughput', 'latency', 'idle-scale', 'cost-per-message'];

/** The figures worth a column, by benchmark family. */
function headline(r: Stored): { router: string; baseline: string } {
  const f = r.figures;
  const b = r.baseline;
  if (r.name.startsWith('incoming-throughput') || r.name.startsWith('outgoing-throughput')) {
    return { router: `${f.msgsPerSec} msg/s (${f.dbCommitsPerMsg ?? '?'} DB commits/msg)`, baseline: `${b.msgsPerSec} msg/s` };
  }
  if (r.name.startsWith('latency')) return { router: `p50 ${f.p50Ms} ms, p99 ${f.p99Ms} ms (poll ${f.pollIntervalSeconds} s)`, baseline: `p50 ${b.p50Ms} ms, p99 ${b.p99Ms} ms` };
  if (r.name.startsWith('idle-scale')) {
    return {
      router: `${f.perMailboxKB} KB/mailbox (RSS ${f.rssMB} MB for ${f.mailboxes}); ${f.cpuMsPerPoll} CPU ms/poll; ${f.pollsPerSecond} polls/s (needs ${f.pollsPerSecondNeeded})`,
      baseline: `RSS ${b.rssMB} MB with 0 mailboxes`,
    };
  }
  const services = Object.entries(f).filter(([k]) => k.endsWith('MsPerMsg') && k !== 'totalMsPerMsg').map(([k, v]) => `${k.replace('MsPerMsg', '')} ${v}`).join(', ');
  return { router: `${f.totalMsPerMsg} CPU ms/msg (${services})`, baseline: `${b.msPerMsg} CPU ms/msg` };
}

export function resultsTable(dir = RESULTS_DIR): string {
  if (!existsSync(dir)) return '(no results yet: run npm run bench)';
  const rows = readdirSync(dir).filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Stored)
    .sort((a, b) => ORDER.findIndex((p) => a.name.startsWith(p)) - ORDER.findIndex((p) => b.name.startsWith(p)) || a.name.localeCompare(b.name));
  const lines = ['| benchmark | router | baseline (same run) | ratio | target |', '| --- | --- | --- | --- | --- |'];
  for (const r of rows) {
    const h = headline(r);
    const target = r.ratio.target ? `${r.ratio.target}: ${r.ratio.met ? 'met' : '**not met**'}` : '—';
    lines.push(`| ${r.name} (${r.scale}) | ${h.router} | ${h.baseline} | ${r.ratio.value} | ${target} |`);
  }
  const m = rows[0]?.measured;
  if (m) lines.push('', `Measured: commit ${m.commit.slice(0, 12)}, ${m.tree}; ${rows.map((r) => r.at).sort()[0]} – ${rows.map((r) => r.at).sort().slice(-1)[0]}.`);
  return lines.join('\n');
}

if (require.main === module) console.log(resultsTable());
