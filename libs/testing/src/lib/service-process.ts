import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from './wait';

export const APP_NAMES = ['config', 'incoming', 'outgoing', 'crm-sync'] as const;
export type AppName = (typeof APP_NAMES)[number];

const ROOT = join(__dirname, '..', '..', '..', '..');

/** One of the four services, started as a real process (as in production), with its log in .run/test-logs. */
export class ServiceProcess {
  private child?: ChildProcess;
  readonly logFile: string;

  constructor(readonly app: AppName, private readonly env: Record<string, string>, readonly port: number, label = '') {
    const dir = join(ROOT, '.run', 'test-logs');
    mkdirSync(dir, { recursive: true });
    this.logFile = join(dir, `${app}${label ? `-${label}` : ''}-${Date.now()}.log`);
  }

  async start(): Promise<void> {
    const log = createWriteStream(this.logFile, { flags: 'a' });
    this.child = spawn(process.execPath, ['-r', join(ROOT, 'tools', 'register.js'), join(ROOT, 'apps', this.app, 'src', 'main.ts')], {
      cwd: ROOT,
      env: { ...process.env, ...this.env, PORT: String(this.port), NODE_ENV: 'test' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.pipe(log);
    this.child.stderr!.pipe(log);
    const child = this.child;
    await waitFor(`${this.app} to be ready on port ${this.port} (log: ${this.logFile})`, async () => {
      if (child.exitCode !== null) throw new Error(`${this.app} exited with ${child.exitCode}; see ${this.logFile}`);
      const res = await fetch(`http://127.0.0.1:${this.port}/health/ready`).catch(() => undefined);
      return res?.ok;
    }, 60_000, 250);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** SIGKILL: no shutdown hook runs, as in a crash. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill(signal);
    await exited;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
}

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}
