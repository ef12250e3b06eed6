import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { connect } from 'nats';
import { bucketName, CONFIG_KV_KEYS, PublishedConfigInputV1, PublishedConfigV1 } from '@mailrouter/contracts';
import { decodeSecretKey, sealSecret } from '@mailrouter/platform';
import { createMailUser, deleteNatsPrefix, MailUser, TEST_DOVECOT, TEST_NATS_URL, testNatsPrefix } from '@mailrouter/testing';
import { RouterUnderTest } from '../e2e/support/router';
import { OwnNats } from './support/own-nats';
import { cpuMs, rssBytes } from './support/proc';
import { record } from './support/results';
import type { BenchSizes } from './support/scale';
import { percentile, round, sleep, until } from './support/stats';

const DEPLOYMENT_ID = randomUUID();

/** A published configuration of `n` enabled IMAP mailboxes on the test Dovecot, sharing `accounts` accounts round-robin. */
function idleConfig(version: number, n: number, accounts: MailUser[], key: Buffer, sizes: BenchSizes): PublishedConfigInputV1 {
  const mailboxes = Array.from({ length: n }, (_, i) => {
    const account = accounts[i % accounts.length];
    return {
      id: randomUUID(), deploymentId: DEPLOYMENT_ID, kind: 'user' as const, address: `idle${i}@bench.mailrouter.test`,
      enabled: true, deleteAfterProcessing: false, pollIntervalSeconds: sizes.idlePollSeconds,
      incoming: {
        profileId: 'bench-idle-imap', protocol: 'imap' as const, host: TEST_DOVECOT.host, port: TEST_DOVECOT.imapPort, security: 'none' as const,
        auth: { type: 'basic' as const, username: account.username, password: sealSecret(key, account.password) },
        allowInvalidCertificates: false, maxConnections: sizes.idleMaxConnections,
      },
    };
  });
  return {
    schema: 'mailrouter.config.v1', version, publishedAt: new Date().toISOString(), comment: `bench idle ${n}`,
    deployments: [{ id: DEPLOYMENT_ID, name: 'Bench idle', crm: { type: 'builtin' } }], mailboxes,
  };
}

async function putConfig(natsUrl: string, prefix: string, cfg: PublishedConfigInputV1): Promise<void> {
  const nc = await connect({ servers: natsUrl });
  try {
    const kv = await nc.jetstream().views.kv(bucketName(prefix, 'config'), { history: 5 });
    const body = Buffer.from(JSON.stringify(PublishedConfigV1.parse(cfg)));
    await kv.put(CONFIG_KV_KEYS.version(cfg.version), body);
    await kv.put(CONFIG_KV_KEYS.current, body);
  } finally {
    await nc.close();
  }
}

/** Would the shared NATS (default max_payload) take this configuration? Tries it under a throw-away prefix. */
async function sharedNatsAccepts(cfg: PublishedConfigInputV1): Promise<{ maxPayload: number; accepted: boolean; error?: string }> {
  const prefix = testNatsPrefix();
  const nc = await connect({ servers: TEST_NATS_URL });
  const maxPayload = nc.info?.max_payload ?? 0;
  await nc.close();
  try {
    await putConfig(TEST_NATS_URL, prefix, cfg);
    return { maxPayload, accepted: true };
  } catch (err) {
    return { maxPayload, accepted: false, error: (err as Error).message };
  } finally {
    await deleteNatsPrefix(prefix).catch(() => undefined);
  }
}

/** RSS samples over `seconds` (one a second) and the CPU ms used meanwhile. */
async function watch(pid: number, seconds: number): Promise<{ rss: number; cpuMsPerSecond: number }> {
  const rss: number[] = [];
  const cpu0 = cpuMs(pid);
  const t0 = performance.now();
  for (let i = 0; i < seconds; i++) {
    await sleep(1000);
    rss.push(rssBytes(pid));
  }
  return { rss: percentile(rss, 50), cpuMsPerSecond: (cpuMs(pid) - cpu0) / ((performance.now() - t0) / 1000) };
}

/**
 * 4. Idle scale: one incoming replica serving N idle polled mailboxes (real IMAP logins on the
 * test Dovecot, empty INBOXes, polled every idlePollSeconds), against the same process serving
 * 0 mailboxes. Runs on a NATS server of its own whose max_payload fits the configuration.
 */
export async function idleScale(sizes: BenchSizes): Promise<void> {
  const n = sizes.idleMailboxes;
  const accounts = Array.from({ length: sizes.idleAccounts }, () => createMailUser('bidle'));
  const probeKey = decodeSecretKey(Buffer.alloc(32, 7).toString('base64'));
  const sizeOfConfig = Buffer.byteLength(JSON.stringify(PublishedConfigV1.parse(idleConfig(1, n, accounts, probeKey, sizes))));
  const shared = await sharedNatsAccepts(idleConfig(1, n, accounts, probeKey, sizes));

  const nats = await new OwnNats(Math.max(8 * 1024 * 1024, sizeOfConfig * 2)).start();
  const router = new RouterUnderTest({ NATS_URL: nats.url, LOG_LEVEL: 'warn' });
  let db: Client | undefined;
  try {
    await router.start(['incoming']);
    const key = decodeSecretKey(router.secretKey);
    const pid = router.service('incoming').pid!;
    db = new Client({ connectionString: router.db.url });
    await db.connect();

    await putConfig(nats.url, router.prefix, idleConfig(1, 0, accounts, key, sizes));
    await sleep(5000);
    const zero = await watch(pid, sizes.idleWindowSeconds);

    const cpuBefore = cpuMs(pid);
    const t0 = performance.now();
    await putConfig(nats.url, router.prefix, idleConfig(2, n, accounts, key, sizes));
    const progress = async () => {
      const [row] = (await db!.query(`SELECT count(*)::int AS rows, count(*) FILTER (WHERE last_success_at IS NOT NULL)::int AS ok,
        count(*) FILTER (WHERE consecutive_failures > 0)::int AS failing FROM incoming.mailbox_state`)).rows;
      return row as { rows: number; ok: number; failing: number };
    };
    const applied = await until(async () => (await progress()).rows >= n, 120_000, 500);
    const appliedSeconds = (performance.now() - t0) / 1000;
    const applyCpuMs = cpuMs(pid) - cpuBefore;
    if (!applied) throw new Error(`idle: the incoming service made ${(await progress()).rows} of ${n} mailbox states in 120 s`);
    // Polls are limited by the scheduler; wait for every first poll, or measure anyway after idleSweepSeconds.
    const swept = await until(async () => (await progress()).ok >= n, sizes.idleSweepSeconds * 1000, 1000);
    const loaded = await watch(pid, sizes.idleWindowSeconds);
    const elapsed = (performance.now() - t0) / 1000;
    const cpuSince = cpuMs(pid) - cpuBefore;
    const end = await progress();
    const pollsPerSecond = end.ok / (elapsed - appliedSeconds);
    // CPU of a poll: the CPU since the states were ready, less what the process uses with 0 mailboxes, per poll done.
    const cpuPerPoll = end.ok ? (cpuSince - applyCpuMs - zero.cpuMsPerSecond * (elapsed - appliedSeconds)) / end.ok : NaN;
    const cpuPerMailboxPerSecond = cpuPerPoll / sizes.idlePollSeconds;
    const needed = n / sizes.idlePollSeconds;
    const perMailboxBytes = (loaded.rss - zero.rss) / n;
    record({
      name: 'idle-scale',
      what: `${n} configured idle IMAP mailboxes (empty INBOXes on the test Dovecot, ${sizes.idleAccounts} accounts shared round-robin, polled every ${sizes.idlePollSeconds} s, maxConnections ${sizes.idleMaxConnections}) on one incoming replica`,
      figures: {
        mailboxes: n, rssMB: round(loaded.rss / 2 ** 20, 1), perMailboxKB: round(perMailboxBytes / 1024, 2),
        statesReadySeconds: round(appliedSeconds, 1), applyConfigCpuMs: Math.round(applyCpuMs),
        polledOnce: end.ok, failing: end.failing, firstSweepDone: swept ? 'yes' : `no (${end.ok} of ${n} after ${round(elapsed, 0)} s)`,
        pollsPerSecond: round(pollsPerSecond, 1), pollsPerSecondNeeded: round(needed, 1),
        projectedFirstSweepSeconds: round(n / pollsPerSecond, 0),
        cpuMsPerPoll: round(cpuPerPoll, 2), cpuMsPerSecondPerMailbox: round(cpuPerMailboxPerSecond, 4),
        cpuMsPerSecondWindow: round(loaded.cpuMsPerSecond, 1), configBytes: sizeOfConfig,
      },
      baseline: { mailboxes: 0, rssMB: round(zero.rss / 2 ** 20, 1), cpuMsPerSecond: round(zero.cpuMsPerSecond, 1), kind: 'the same process serving a configuration of 0 mailboxes' },
      ratio: { value: round(loaded.rss / zero.rss, 2), meaning: `RSS with ${n} mailboxes ÷ RSS with 0; per idle mailbox ${round(perMailboxBytes / 1024, 2)} KB`, target: '< 50 KB per idle polled mailbox', met: perMailboxBytes < 50 * 1024 },
      notes: [
        `shared NATS max_payload ${shared.maxPayload} bytes; this configuration is ${sizeOfConfig} bytes: ${shared.accepted ? 'accepted' : `REJECTED (${shared.error})`}. The run used a NATS server of its own with max_payload ${Math.max(8 * 1024 * 1024, sizeOfConfig * 2)}.`,
        'RSS = median of one sample a second over the window (taken after the first sweep, or after idleSweepSeconds while it still runs); CPU from /proc/<pid>/stat',
        `CPU per mailbox = CPU per poll ÷ poll interval; polls/s needed to keep the schedule = ${n} ÷ ${sizes.idlePollSeconds} s = ${round(needed, 1)}`,
        'the services run TypeScript through @swc-node/register (as npm start and the tests do): the 0-mailbox RSS includes the transpiler',
      ],
    }, sizes);
  } finally {
    await db?.end().catch(() => undefined);
    await router.stop();
    await nats.stop();
  }
}
