import { SmtpSink } from '@mailrouter/testing';
import { sendPooled } from './baselines/outgoing-baseline';
import type { CostSample } from './incoming.bench';
import { BenchRouter } from './support/bench-router';
import { proseOf } from './support/mail';
import { CpuMeter } from './support/proc';
import { record } from './support/results';
import type { BenchSizes } from './support/scale';
import { round, sleep, until } from './support/stats';

/**
 * 2. Outgoing throughput: K emails composed through the CRM REST API with send: true while
 * no configuration is published yet (so none is claimed); the clock starts at publish and
 * stops when every email is `sent` in the CRM. Must run before anything else publishes.
 */
export async function outgoingThroughput(bench: BenchRouter, sink: SmtpSink, sizes: BenchSizes): Promise<CostSample> {
  const k = sizes.outgoingEmails;
  const senders = await bench.addMailboxes(2, 'out');
  const text = proseOf(5 * 1024, 'outgoing');
  const ids: string[] = [];
  const mails: { from: string; to: string; subject: string; text: string }[] = [];
  for (let i = 0; i < k; i++) {
    const from = senders[i % senders.length];
    const to = `customer${i}@example.net`;
    const subject = `Offer ${i}`;
    const e = await bench.router.call<{ id: string }>('POST', '/crm/v1/emails', { fromUserId: from.crmUserId, to: [to], subject, text, send: true }, 201);
    ids.push(e.id);
    mails.push({ from: from.mail.address, to, subject, text });
  }
  const accepted0 = sink.accepted.length;
  const commits0 = await bench.commits();
  const cpu = new CpuMeter(bench.pids());
  const t0 = performance.now();
  await bench.publish('bench outgoing');
  let atSinkSeconds: number | undefined;
  const sent = async () => {
    if (atSinkSeconds === undefined && sink.accepted.length - accepted0 >= k) atSinkSeconds = (performance.now() - t0) / 1000;
    const [row] = await bench.query<{ n: number }>(`SELECT count(*)::int AS n FROM crm.email WHERE status = 'sent' AND id = ANY($1::uuid[])`, [ids]);
    return row.n >= k;
  };
  const timeoutMs = Math.max(120_000, k * 500);
  const done = await until(sent, timeoutMs, 100);
  const seconds = (performance.now() - t0) / 1000;
  const cpuMs = cpu.read();
  if (!done) throw new Error(`outgoing: not every email was sent after ${timeoutMs / 1000} s (${sink.accepted.length - accepted0} at the sink)`);
  await sleep(1500);
  const commitsPerMsg = ((await bench.commits()) - commits0) / k;

  const baselineSink = await new SmtpSink().start();
  const base = await sendPooled(baselineSink.port, mails);
  await baselineSink.stop();
  if (baselineSink.accepted.length !== k) throw new Error(`baseline: the sink accepted ${baselineSink.accepted.length} of ${k}`);

  const routerRate = k / seconds;
  const baseRate = k / base.seconds;
  const ratio = routerRate / baseRate;
  record({
    name: 'outgoing-throughput',
    what: `${k} pending emails (5 KB text) composed through /crm/v1/emails → accepted by an SMTP sink and marked sent`,
    figures: { emails: k, seconds: round(seconds), msgsPerSec: round(routerRate, 1), allAtSinkAfterSeconds: atSinkSeconds === undefined ? null : round(atSinkSeconds), dbCommitsPerMsg: round(commitsPerMsg, 1) },
    baseline: { emails: k, seconds: round(base.seconds), msgsPerSec: round(baseRate, 1), kind: 'nodemailer, pool of 10 connections, straight to an identical sink' },
    ratio: { value: round(ratio, 3), meaning: 'router msgs/s ÷ baseline msgs/s', target: '≥ 0.8', met: ratio >= 0.8 },
    notes: ['clock: from POST /api/v1/publish (the claim loop starts with the first configuration) to the last email with status sent; default CLAIM_INTERVAL_MS, CLAIM_BATCH_SIZE, SEND_CONCURRENCY'],
  }, sizes);
  return { flow: 'sent', label: 'text-5k', messages: k, cpuMsByService: cpuMs, baselineCpuMs: base.cpuMs, baselineMessages: k };
}
