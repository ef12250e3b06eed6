import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './service-process';
import { waitFor } from './wait';

/** The nats-server the machine runs (same version as the shared one). */
export const NATS_SERVER_BIN = process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server';
/** How long a clean stop may take before the server is killed. */
const NATS_STOP_GRACE_MS = 15_000;
const NATS_READY_TIMEOUT_MS = 30_000;

/**
 * A nats-server of a test's own, with JetStream in a store directory of its own, so that a
 * test can stop, kill and restart the broker without touching the machine's shared NATS.
 * A restart reuses the same port and store directory: what JetStream had persisted comes back.
 */
export class PrivateNats {
  private child?: ChildProcess;
  private dir?: string;
  port = 0;
  /** Number of times the server process was started. */
  starts = 0;

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  get storeDir(): string {
    if (!this.dir) throw new Error('PrivateNats not started');
    return join(this.dir, 'jetstream');
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the server (the first time on a free port and a new store directory; later on the same ones). */
  async start(): Promise<this> {
    if (this.running) return this;
    this.dir ??= mkdtempSync(join(tmpdir(), 'mr-nats-'));
    this.port ||= await freePort();
    const log = createWriteStream(join(this.dir, 'nats-server.log'), { flags: 'a' });
    const child = spawn(NATS_SERVER_BIN, ['-a', '127.0.0.1', '-p', String(this.port), '-js', '-sd', this.storeDir, '-n', `private-nats-${this.port}`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    this.child = child;
    this.starts++;
    await waitFor(`private nats-server on :${this.port} (log: ${join(this.dir, 'nats-server.log')})`, async () => {
      if (child.exitCode !== null) throw new Error(`nats-server exited with ${child.exitCode}`);
      return this.healthy();
    }, NATS_READY_TIMEOUT_MS, 100);
    return this;
  }

  /** SIGTERM: the server shuts down cleanly (flushes JetStream) and its clients see a disconnect. */
  async stop(): Promise<void> {
    await this.signal('SIGTERM', NATS_STOP_GRACE_MS);
  }

  /** SIGKILL: a crash; JetStream recovers its store at the next start. */
  async kill(): Promise<void> {
    await this.signal('SIGKILL', 0);
  }

  /** Stops (cleanly or by SIGKILL) and starts again on the same port and store directory. */
  async restart(how: 'clean' | 'kill' = 'clean', downMs = 0): Promise<void> {
    if (how === 'kill') await this.kill();
    else await this.stop();
    if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
    await this.start();
  }

  /** Stops the server and removes its store directory. */
  async destroy(): Promise<void> {
    await this.kill();
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }

  private async signal(sig: NodeJS.Signals, graceMs: number): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill(sig);
    const timer = graceMs > 0 ? setTimeout(() => child.kill('SIGKILL'), graceMs) : undefined;
    await exited;
    if (timer) clearTimeout(timer);
  }

  /** The server answers PING with PONG once it accepts clients (JetStream is up by then). */
  private healthy(): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port: this.port });
      let buf = '';
      let sent = false;
      const done = (ok: boolean): void => {
        socket.destroy();
        resolve(ok);
      };
      socket.setTimeout(2000, () => done(false));
      socket.on('error', () => done(false));
      socket.on('data', (d) => {
        buf += d.toString('latin1');
        if (!sent && buf.startsWith('INFO') && buf.includes('\r\n')) {
          sent = true;
          socket.write('CONNECT {"verbose":false}\r\nPING\r\n');
        }
        if (buf.includes('PONG')) done(true);
      });
    });
  }
}
