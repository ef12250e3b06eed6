import { runCli } from '../cli';
import type { CliIo } from '../support/cli-io';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** For tests: one command line in-process, its output captured, with exactly the environment given. */
export async function runCaptured(argv: string[], env: Record<string, string | undefined>, cwd = process.cwd(), tty = false): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (t: string) => (stdout += t), isTTY: tty },
    stderr: { write: (t: string) => (stderr += t), isTTY: tty, columns: 80 },
    env,
    cwd,
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}
