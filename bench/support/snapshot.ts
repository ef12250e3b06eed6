import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REPO_ROOT = join(__dirname, '..', '..');

/** Which code was measured: the commit, and whether the working tree differed from it. */
export function measuredTree(): { commit: string; tree: string } {
  const root = process.env.BENCH_REPO_ROOT ?? REPO_ROOT;
  const git = (...args: string[]) => execFileSync('git', ['-C', root, ...args]).toString().trim();
  const snapshot = process.env.BENCH_SNAPSHOT_OF;
  if (snapshot) return { commit: git('rev-parse', snapshot), tree: `snapshot of ${snapshot} (git archive)` };
  const dirty = git('status', '--porcelain', '--', 'apps', 'libs').length > 0;
  return { commit: git('rev-parse', 'HEAD'), tree: dirty ? 'working tree (apps/libs differ from the commit)' : 'working tree (clean)' };
}

/**
 * BENCH_TREE=<git rev> (e.g. HEAD): measure that commit instead of the working tree, which
 * other engineers may be changing. The commit is exported with `git archive` to a directory
 * under /tmp, node_modules is linked and this bench/ copied in, and the run continues there;
 * results still go to this checkout's bench-results/. Returns the exit code, or undefined when
 * the run should go on in this process.
 */
export function runInSnapshotIfAsked(): number | undefined {
  const rev = process.env.BENCH_TREE;
  if (!rev || process.env.BENCH_SNAPSHOT_OF) return undefined;
  const commit = execFileSync('git', ['-C', REPO_ROOT, 'rev-parse', rev]).toString().trim();
  const dir = join(tmpdir(), `mailrouter-bench-${commit.slice(0, 12)}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  execFileSync('bash', ['-c', `git -C "${REPO_ROOT}" archive "${commit}" | tar -x -C "${dir}"`]);
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'));
  rmSync(join(dir, 'bench'), { recursive: true, force: true });
  cpSync(join(REPO_ROOT, 'bench'), join(dir, 'bench'), { recursive: true });
  if (!existsSync(join(dir, 'tools', 'register.js'))) throw new Error(`${rev} has no tools/register.js`);
  console.log(`measuring ${rev} (${commit}) from ${dir}`);
  const child = spawnSync(process.execPath, ['-r', join(dir, 'tools', 'register.js'), join(dir, 'bench', 'run.ts')], {
    cwd: dir, stdio: 'inherit',
    env: { ...process.env, SWC_NODE_PROJECT: join(dir, 'tsconfig.base.json'), BENCH_SNAPSHOT_OF: rev, BENCH_REPO_ROOT: REPO_ROOT, BENCH_RESULTS_DIR: join(REPO_ROOT, 'bench-results') },
  });
  return child.status ?? 1;
}
