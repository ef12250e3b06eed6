import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { freePort } from './service-process';
import type { TestDatabase } from './test-database';
import { uniqueName } from './wait';

const run = promisify(execFile);

/** The OS user the server runs as: PostgreSQL refuses to run as root. */
const PG_OS_USER = process.env.PRIVATE_PG_OS_USER ?? 'postgres';
const PG_START_TIMEOUT_S = 60;

/** The newest PostgreSQL installed under /usr/lib/postgresql/<version>/bin (or PG_BIN_DIR). */
export function postgresBinDir(): string {
  if (process.env.PG_BIN_DIR) return process.env.PG_BIN_DIR;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'pg_ctl'))) : [];
  versions.sort((a, b) => Number(b) - Number(a));
  if (!versions.length) throw new Error(`no PostgreSQL binaries under ${root}; set PG_BIN_DIR`);
  return join(root, versions[0], 'bin');
}

/**
 * A PostgreSQL cluster of a test's own (initdb into a temp dir, trust auth, a free port on
 * loopback, its unix socket in the temp dir), so that a test can stop or crash the database
 * without touching the machine's shared one. stop('fast') is an orderly shutdown that ends
 * every session; stop('immediate') is a crash (recovery at the next start).
 */
export class PrivatePostgres {
  private dir?: string;
  port = 0;
  private readonly bin = postgresBinDir();

  get adminUrl(): string {
    return this.url('postgres');
  }

  /** A connection URL for a database of this cluster. */
  url(database: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  private get dataDir(): string {
    if (!this.dir) throw new Error('PrivatePostgres not started');
    return join(this.dir, 'data');
  }

  /** The first call creates the cluster; later calls start it again on the same port and data. */
  async start(): Promise<this> {
    if (!this.dir) {
      this.dir = mkdtempSync(join(tmpdir(), 'mr-pg-'));
      this.port = await freePort();
      const { uid, gid } = await this.osUser();
      chownSync(this.dir, uid, gid);
      await this.asPostgres('initdb', ['-D', this.dataDir, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync']);
    }
    const opts = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
    await this.asPostgres('pg_ctl', ['start', '-D', this.dataDir, '-w', '-t', String(PG_START_TIMEOUT_S), '-l', join(this.dir, 'postgres.log'), '-o', opts]);
    return this;
  }

  /** 'fast': sessions are ended and the server shuts down cleanly; 'immediate': a crash. */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    if (!this.dir || !(await this.running())) return;
    await this.asPostgres('pg_ctl', ['stop', '-D', this.dataDir, '-m', mode, '-w']);
  }

  async running(): Promise<boolean> {
    if (!this.dir) return false;
    try {
      await this.asPostgres('pg_ctl', ['status', '-D', this.dataDir]);
      return true;
    } catch {
      return false;
    }
  }

  async createDatabase(name: string): Promise<string> {
    const admin = new Client({ connectionString: this.adminUrl });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE "${name.replace(/"/g, '')}"`);
    } finally {
      await admin.end();
    }
    return this.url(name);
  }

  /** A database of its own on this cluster, in the shape RouterUnderTest takes. */
  async createTestDatabase(prefix = 'mr_pp_'): Promise<TestDatabase> {
    const name = uniqueName(prefix).toLowerCase();
    const url = await this.createDatabase(name);
    return {
      name,
      url,
      drop: async () => {
        const admin = new Client({ connectionString: this.adminUrl });
        await admin.connect();
        try {
          await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        } finally {
          await admin.end();
        }
      },
    };
  }

  /** Stops the server (immediately) and removes the cluster directory. */
  async destroy(): Promise<void> {
    await this.stop('immediate').catch(() => undefined);
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }

  private async osUser(): Promise<{ uid: number; gid: number }> {
    const [uid, gid] = await Promise.all([run('id', ['-u', PG_OS_USER]), run('id', ['-g', PG_OS_USER])]);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  }

  private async asPostgres(tool: string, args: string[]): Promise<void> {
    const cmd = join(this.bin, tool);
    const asRoot = process.getuid?.() === 0;
    try {
      await run(asRoot ? 'runuser' : cmd, asRoot ? ['-u', PG_OS_USER, '--', cmd, ...args] : args, { cwd: this.dir });
    } catch (err) {
      const e = err as { stderr?: string; stdout?: string; message: string };
      throw new Error(`${tool} ${args[0]} failed: ${e.stderr || e.stdout || e.message}`);
    }
  }
}
