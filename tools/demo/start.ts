/**
 * `npm start` after tools/start.sh made sure of PostgreSQL, NATS and Dovecot: the demo mail
 * servers, the database, the four services as child processes, the demo seed, and a summary.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { createTransport } from 'nodemailer';
import { DemoSmtpRelay } from './smtp-relay';
import { DemoMailUser, seedDemo } from './seed';

const ROOT = join(__dirname, '..', '..');
const RUN = join(ROOT, '.run');
const APPS = [
  { name: 'config', port: 3000 },
  { name: 'crm-sync', port: 3001 },
  { name: 'incoming', port: 3002 },
  { name: 'outgoing', port: 3003 },
] as const;
const DEMO = {
  domain: 'demo.mailrouter.test',
  imapPort: Number(process.env.DEMO_IMAP_PORT ?? 11143),
  pop3Port: Number(process.env.DEMO_POP3_PORT ?? 11110),
  lmtpPort: Number(process.env.DEMO_LMTP_PORT ?? 11024),
  smtpPort: Number(process.env.DEMO_SMTP_PORT ?? 2525),
};

/** Secrets are generated once and kept in .run/demo.env: the key must outlive restarts. */
function loadOrCreateDemoEnv(): Record<string, string> {
  mkdirSync(RUN, { recursive: true });
  const file = join(RUN, 'demo.env');
  const kept: Record<string, string> = {};
  if (existsSync(file)) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
      if (m) kept[m[1]] = m[2];
    }
  }
  kept.ROUTER_API_TOKEN ??= randomBytes(24).toString('hex');
  kept.ROUTER_SECRET_KEY ??= randomBytes(32).toString('base64');
  kept.DEMO_PASSWORD_SEED ??= randomBytes(8).toString('hex');
  kept.ROUTER_ADMIN_USER ??= 'admin';
  kept.ROUTER_ADMIN_PASSWORD ??= randomBytes(12).toString('base64url');
  writeFileSync(file, Object.entries(kept).map(([k, v]) => `${k}=${v}`).join('\n') + '\n', { mode: 0o600 });
  return kept;
}

async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const c = new Client({ connectionString: admin.toString() });
  await c.connect();
  try {
    const found = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!found.rowCount) {
      await c.query(`CREATE DATABASE "${name.replace(/"/g, '')}"`);
      console.log(`created database ${name}`);
    }
  } finally {
    await c.end();
  }
}

async function waitReady(port: number, child: ChildProcess, name: string): Promise<void> {
  for (let i = 0; i < 240; i++) {
    if (child.exitCode !== null) throw new Error(`${name} exited with code ${child.exitCode} (its output is above)`);
    const ok = await fetch(`http://127.0.0.1:${port}/health/ready`).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${name} was not ready on port ${port} within 60 s`);
}

async function main(): Promise<void> {
  const demoEnv = loadOrCreateDemoEnv();
  const env: Record<string, string> = {
    DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/mailrouter',
    NATS_URL: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
    NATS_PREFIX: process.env.NATS_PREFIX ?? 'mr',
    ROUTER_API_TOKEN: process.env.ROUTER_API_TOKEN ?? demoEnv.ROUTER_API_TOKEN,
    ROUTER_SECRET_KEY: process.env.ROUTER_SECRET_KEY ?? demoEnv.ROUTER_SECRET_KEY,
    // The first console administrator (created once, when config has no user yet).
    ROUTER_ADMIN_USER: process.env.ROUTER_ADMIN_USER ?? demoEnv.ROUTER_ADMIN_USER,
    ROUTER_ADMIN_PASSWORD: process.env.ROUTER_ADMIN_PASSWORD ?? demoEnv.ROUTER_ADMIN_PASSWORD,
  };
  const users: DemoMailUser[] = [
    { local: 'alice', fullName: 'Alice Archer', kind: 'user', tracking: 'all', password: `alice-${demoEnv.DEMO_PASSWORD_SEED}` },
    { local: 'bob', fullName: 'Bob Baker', kind: 'user', tracking: 'responses', password: `bob-${demoEnv.DEMO_PASSWORD_SEED}` },
    { local: 'support', fullName: 'Support', kind: 'queue', tracking: 'all', password: `support-${demoEnv.DEMO_PASSWORD_SEED}` },
  ];

  const dovecotDir = join(RUN, 'dovecot');
  const dovecot = join(ROOT, 'tools', 'dovecot', 'dovecot.sh');
  execFileSync('bash', [dovecot, 'start', dovecotDir, String(DEMO.imapPort), String(DEMO.pop3Port), String(DEMO.lmtpPort)], { stdio: 'inherit' });
  for (const u of [...users, { local: 'catchall', password: `catchall-${demoEnv.DEMO_PASSWORD_SEED}` }]) {
    execFileSync('bash', [dovecot, 'adduser', dovecotDir, u.local, u.password]);
  }
  const relay = new DemoSmtpRelay({ port: DEMO.smtpPort, lmtpPort: DEMO.lmtpPort, localDomain: DEMO.domain, localUsers: users.map((u) => u.local).concat('catchall') });
  await relay.start();
  await ensureDatabase(env.DATABASE_URL);

  const children: ChildProcess[] = [];
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping MailRouter…');
    await Promise.all(children.map((c) => new Promise<void>((r) => {
      if (c.exitCode !== null) return r();
      c.once('exit', () => r());
      c.kill('SIGTERM');
      setTimeout(() => c.kill('SIGKILL'), 10_000).unref();
    })));
    await relay.stop();
    execFileSync('bash', [dovecot, 'stop', dovecotDir]);
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  for (const app of APPS) {
    const child = spawn(process.execPath, ['-r', join(ROOT, 'tools', 'register.js'), join(ROOT, 'apps', app.name, 'src', 'main.ts')], {
      cwd: ROOT, env: { ...process.env, ...env, PORT: String(process.env[`${app.name.toUpperCase().replace('-', '_')}_PORT`] ?? app.port) }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    const tag = `[${app.name}]`.padEnd(11);
    for (const stream of [child.stdout!, child.stderr!]) {
      stream.on('data', (d: Buffer) => process.stdout.write(d.toString().replace(/^(?=.)/gm, tag)));
    }
    child.on('exit', (code, signal) => {
      if (!stopping) {
        console.error(`${app.name} stopped unexpectedly (${signal ?? code}); stopping the rest`);
        void stopAll(1);
      }
    });
    children.push(child);
  }
  await Promise.all(APPS.map((a, i) => waitReady(a.port, children[i], a.name)));

  const api = {
    async call<T>(method: string, path: string, body?: unknown): Promise<T> {
      const port = path.startsWith('/crm/') ? 3001 : 3000;
      const res = await fetch(`http://127.0.0.1:${port}${path}`, {
        method, headers: { authorization: `Bearer ${env.ROUTER_API_TOKEN}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${text}`);
      return (text ? JSON.parse(text) : undefined) as T;
    },
  };
  const seeded = await seedDemo(api, { ...DEMO, users });
  if (seeded.firstRun) {
    // A first message, so there is something to look at: Dana writes to Alice through the relay.
    await createTransport({ host: '127.0.0.1', port: DEMO.smtpPort, secure: false, ignoreTLS: true }).sendMail({
      from: '"Dana Whitfield" <dana@contoso.example>', to: `alice@${DEMO.domain}`, subject: 'Welcome to MailRouter',
      text: 'This message was delivered to the demo mailbox of Alice and tracked into the built-in CRM.',
    });
  }
  console.log(`
MailRouter is running (built-in CRM, demo mailboxes). Ctrl-C stops everything started here.

  Web console         http://127.0.0.1:3000/console/ (user ${env.ROUTER_ADMIN_USER} / ${env.ROUTER_ADMIN_PASSWORD}, or the API token)
  Configuration API   http://127.0.0.1:3000/api/v1   (profiles, deployments, mailboxes, publish)
  Built-in CRM API    http://127.0.0.1:3001/crm/v1   (users, contacts, emails, received trail)
  Health              http://127.0.0.1:300{0,1,2,3}/health/ready
  API token           ${env.ROUTER_API_TOKEN}
  Demo mail servers   IMAP 127.0.0.1:${DEMO.imapPort}, POP3 :${DEMO.pop3Port}, SMTP :${DEMO.smtpPort}
  Demo mailboxes      ${users.map((u) => `${u.local}@${DEMO.domain} / ${u.password}`).join('\n                      ')}

Try:
  npx mailrouter status          (MAILROUTER_TOKEN=${env.ROUTER_API_TOKEN})
  curl -s -H "Authorization: Bearer ${env.ROUTER_API_TOKEN}" http://127.0.0.1:3001/crm/v1/emails
`);
}

main().catch((err) => {
  console.error(`npm start failed: ${(err as Error).message}`);
  process.exit(1);
});
