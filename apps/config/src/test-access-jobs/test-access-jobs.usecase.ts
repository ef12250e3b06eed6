import { Injectable, Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { badRequest } from '@mailrouter/platform';
import { notFound } from '../shared/http-errors';
import { MailboxRepository } from '../mailboxes/mailbox.repository';
import { TestAccessUseCase } from '../mailboxes/test-access.usecase';
import { TestAccessJobRecord, TestAccessJobStore } from './test-access-job.store';
import type { StartTestAccessJobBody } from './test-access-jobs.schemas';

/** Mailboxes tested at once by one job (each test is two RPCs to the services). */
export const JOB_CONCURRENCY = 4;
/** A running job not written for this long was abandoned (its replica stopped). */
export const JOB_STALE_MS = 2 * 60 * 1000;

/**
 * Test Access for a selection or all mailboxes, in the background: the answer is a job id at
 * once; the job tests the mailboxes a few at a time (results kept on each mailbox as a single
 * test does) and records its progress, which any replica can report.
 */
@Injectable()
export class TestAccessJobsUseCase {
  private readonly log = new Logger(TestAccessJobsUseCase.name);
  /** Jobs this replica runs (awaited by tests and on shutdown). */
  readonly running = new Map<string, Promise<void>>();

  constructor(
    private readonly mailboxes: MailboxRepository,
    private readonly testAccess: TestAccessUseCase,
    private readonly store: TestAccessJobStore,
  ) {}

  async start(body: StartTestAccessJobBody, startedBy?: string): Promise<TestAccessJobRecord> {
    const chosen = await this.choose(body);
    const now = new Date().toISOString();
    const job: TestAccessJobRecord = {
      id: randomBytes(12).toString('base64url'), state: 'running', startedAt: now, updatedAt: now, ...(startedBy ? { startedBy } : {}),
      total: chosen.length, done: 0, failed: 0, results: [], pending: chosen.map((m) => ({ mailboxId: m.id, address: m.address })),
    };
    await this.store.put(job);
    const run = this.run(job).catch((err: Error) => this.log.error(`test-access job ${job.id} stopped: ${err.message}`));
    this.running.set(job.id, run);
    void run.finally(() => this.running.delete(job.id));
    this.log.log(`test-access job ${job.id}: ${job.total} mailbox(es)`);
    return job;
  }

  async get(id: string): Promise<TestAccessJobRecord> {
    const job = await this.store.get(id);
    if (!job) throw notFound('test-access job', id);
    if (job.state === 'running' && !this.running.has(id) && Date.now() - Date.parse(job.updatedAt) > JOB_STALE_MS) {
      return { ...job, state: 'interrupted' };
    }
    return job;
  }

  private async choose(body: StartTestAccessJobBody) {
    if (body.mailboxIds) {
      const found = await this.mailboxes.findMany(body.mailboxIds);
      const known = new Set(found.map((m) => m.id));
      const missing = body.mailboxIds.findIndex((id) => !known.has(id));
      if (missing >= 0) throw badRequest([{ field: `mailboxIds.${missing}`, message: `no mailbox ${body.mailboxIds[missing]}` }]);
      const order = new Map(body.mailboxIds.map((id, i) => [id, i]));
      return found.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
    }
    return this.mailboxes.list(body.deploymentId);
  }

  /** Tests every pending mailbox, JOB_CONCURRENCY at a time; progress is written after each. */
  private async run(job: TestAccessJobRecord): Promise<void> {
    const queue = [...job.pending];
    let writes = Promise.resolve();
    const save = () => {
      job.updatedAt = new Date().toISOString();
      const snapshot = { ...job, results: [...job.results], pending: [...job.pending] };
      writes = writes.then(() => this.store.put(snapshot)).catch((err: Error) => this.log.warn(`job ${job.id}: progress not saved: ${err.message}`));
      return writes;
    };
    const worker = async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const mb = next;
        let result: TestAccessJobRecord['results'][number];
        try {
          const r = await this.testAccess.run(mb.mailboxId);
          result = { ...mb, incoming: r.incoming, outgoing: r.outgoing };
        } catch (err) {
          result = { ...mb, error: (err as Error).message };
        }
        job.results.push(result);
        job.pending = job.pending.filter((p) => p.mailboxId !== mb.mailboxId);
        job.done++;
        if (result.error || result.incoming?.status === 'failure' || result.outgoing?.status === 'failure') job.failed++;
        await save();
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(JOB_CONCURRENCY, queue.length)) }, worker));
    job.state = 'finished';
    job.finishedAt = new Date().toISOString();
    await save();
    this.log.log(`test-access job ${job.id}: ${job.done} tested, ${job.failed} with a failure`);
  }
}
