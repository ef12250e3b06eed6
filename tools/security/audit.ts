/**
 * `npm run audit` (and CI): no high or critical advisory in the production dependencies.
 *
 * First asks the registry (`npm audit --omit=dev`). Where its audit endpoint cannot be reached —
 * the build machines' registry mirror answers POSTs with 405 — it says so plainly and checks the
 * installed production tree (`npm ls --omit=dev --all`) against the advisories kept in
 * tools/security/advisories.json instead. Exit 1 on a high/critical finding, 0 otherwise.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface AdvisoryRange { introduced?: string; fixed?: string }
export interface Advisory { id: string; package: string; severity: 'low' | 'moderate' | 'high' | 'critical'; ranges: AdvisoryRange[]; summary: string }
export interface Finding { advisory: Advisory; version: string }

const BLOCKING = new Set(['high', 'critical']);

/** Compares x.y.z versions (a prerelease sorts before its release); -1, 0 or 1. */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const [core, pre] = v.replace(/^v/, '').split('-', 2);
    return { nums: core.split('.').map((n) => Number.parseInt(n, 10) || 0), pre };
  };
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < 3; i++) {
    const d = (x.nums[i] ?? 0) - (y.nums[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  if (x.pre === y.pre) return 0;
  if (x.pre === undefined) return 1;
  if (y.pre === undefined) return -1;
  return x.pre < y.pre ? -1 : 1;
}

export function isAffected(version: string, ranges: AdvisoryRange[]): boolean {
  return ranges.some((r) =>
    (r.introduced === undefined || compareVersions(version, r.introduced) >= 0)
    && (r.fixed === undefined || compareVersions(version, r.fixed) < 0));
}

interface NpmLsNode { version?: string; missing?: boolean; dependencies?: Record<string, NpmLsNode> }

/** Every name@version installed in an `npm ls --json --all` tree. */
export function installedPackages(tree: NpmLsNode): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const walk = (deps: Record<string, NpmLsNode> | undefined) => {
    for (const [name, node] of Object.entries(deps ?? {})) {
      if (node.version && !node.missing) {
        const seen = out.get(name) ?? new Set<string>();
        if (seen.has(node.version) && !node.dependencies) continue;
        seen.add(node.version);
        out.set(name, seen);
      }
      walk(node.dependencies);
    }
  };
  walk(tree.dependencies);
  return out;
}

export function findAdvisories(installed: Map<string, Set<string>>, advisories: Advisory[]): Finding[] {
  return advisories.flatMap((advisory) =>
    [...(installed.get(advisory.package) ?? [])].filter((v) => isAffected(v, advisory.ranges)).map((version) => ({ advisory, version })));
}

function npm(args: string[]): string {
  try {
    return execFileSync('npm', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
  } catch (err) {
    // npm audit and npm ls exit non-zero on findings or peer warnings: their JSON is still on stdout.
    const stdout = (err as { stdout?: string }).stdout;
    if (stdout) return stdout;
    throw err;
  }
}

/** The registry's verdict, or undefined when its audit endpoint could not be asked. */
function registryAudit(): { high: number; critical: number; names: string[] } | undefined {
  let report: { error?: { summary?: string }; message?: string; metadata?: { vulnerabilities?: Record<string, number> }; vulnerabilities?: Record<string, { severity: string }> };
  try {
    report = JSON.parse(npm(['audit', '--omit=dev', '--json']));
  } catch (err) {
    console.log(`audit: npm audit did not answer (${(err as Error).message.split('\n')[0]})`);
    return undefined;
  }
  if (report.error || !report.metadata?.vulnerabilities) {
    console.log(`audit: the registry's audit endpoint cannot be reached (${report.error?.summary || report.message || 'no report'})`);
    return undefined;
  }
  const names = Object.entries(report.vulnerabilities ?? {}).filter(([, v]) => BLOCKING.has(v.severity)).map(([n, v]) => `${n} (${v.severity})`);
  return { high: report.metadata.vulnerabilities.high ?? 0, critical: report.metadata.vulnerabilities.critical ?? 0, names };
}

function main(): number {
  const online = registryAudit();
  if (online) {
    console.log(`audit (registry): ${online.critical} critical, ${online.high} high in production dependencies`);
    for (const n of online.names) console.log(`  ${n}`);
    return online.critical + online.high > 0 ? 1 : 0;
  }
  const root = join(__dirname, '..', '..');
  const { advisories } = JSON.parse(readFileSync(join(__dirname, 'advisories.json'), 'utf8')) as { advisories: Advisory[] };
  const installed = installedPackages(JSON.parse(npm(['ls', '--omit=dev', '--all', '--json', '--prefix', root])));
  const versions = [...installed.values()].reduce((n, s) => n + s.size, 0);
  const findings = findAdvisories(installed, advisories);
  console.log(`audit (offline, tools/security/advisories.json — NOT the live advisory database): ${installed.size} packages, ${versions} versions, ${advisories.length} advisories checked`);
  for (const f of findings) console.log(`  ${f.advisory.severity.toUpperCase()} ${f.advisory.package}@${f.version}: ${f.advisory.id} — ${f.advisory.summary}`);
  const blocking = findings.filter((f) => BLOCKING.has(f.advisory.severity));
  console.log(`audit: ${blocking.length} high/critical, ${findings.length - blocking.length} lower`);
  return blocking.length > 0 ? 1 : 0;
}

if (require.main === module) process.exit(main());
