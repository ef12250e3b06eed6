import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'nats';
import { freePort } from '@mailrouter/testing';
import { until } from './stats';

/**
 * A NATS server of the benchmark's own (JetStream, its own store under /tmp), for a run that
 * needs a larger max_payload than the shared server's 1 MB default. Stopped by its pid.
 */
export class OwnNats {
  private child?: ChildProcess;
  private dir = '';
  url = '';

  constructor(private readonly maxPayloadBytes: number) {}

  async start(): Promise<this> {
    this.dir = mkdtempSync(join(tmpdir(), 'mr-bench-nats-'));
    const port = await freePort();
    const conf = join(this.dir, 'nats.conf');
    writeFileSync(conf, `listen: 127.0.0.1:${port}\nmax_payload: ${this.maxPayloadBytes}\njetstream {\n  store_dir: "${join(this.dir, 'js')}"\n}\n`);
    this.child = spawn('nats-server', ['-c', conf], { stdio: ['ignore', 'ignore', 'ignore'] });
    this.url = `nats://127.0.0.1:${port}`;
    const ok = await until(async () => {
      const nc = await connect({ servers: this.url }).catch(() => undefined);
      if (!nc) return false;
      await nc.close();
      return true;
    }, 15_000, 200);
    if (!ok) throw new Error('the benchmark NATS server did not start');
    return this;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      await exited;
    }
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}
