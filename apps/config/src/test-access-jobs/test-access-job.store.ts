import { Inject, Injectable } from '@nestjs/common';
import { KV, NatsConnection, StorageType } from 'nats';
import { bucketName } from '@mailrouter/contracts';
import { MESSAGING_SETTINGS, MessagingSettings, NATS_CONNECTION } from '@mailrouter/messaging';
import { z } from 'zod';

/** How long a finished (or abandoned) job can still be read. */
export const JOB_TTL_MS = 24 * 60 * 60 * 1000;

export const TestAccessJobRecord = z.object({
  id: z.string(),
  state: z.enum(['running', 'finished', 'interrupted']),
  startedAt: z.string(),
  /** Last write by the replica running the job (a job not updated for a while was abandoned). */
  updatedAt: z.string(),
  finishedAt: z.string().optional(),
  startedBy: z.string().optional(),
  total: z.number().int(),
  done: z.number().int(),
  failed: z.number().int(),
  results: z.array(z.object({
    mailboxId: z.string(),
    address: z.string(),
    incoming: z.object({ status: z.string(), message: z.string(), testedAt: z.string().nullable() }).optional(),
    outgoing: z.object({ status: z.string(), message: z.string(), testedAt: z.string().nullable() }).optional(),
    error: z.string().optional(),
  })),
  pending: z.array(z.object({ mailboxId: z.string(), address: z.string() })),
});
export type TestAccessJobRecord = z.infer<typeof TestAccessJobRecord>;

/**
 * Test-access jobs in a JetStream key-value bucket: every config replica can answer for a job
 * another replica runs, and nothing needs a table. Entries expire after JOB_TTL_MS.
 */
@Injectable()
export class TestAccessJobStore {
  private kvPromise?: Promise<KV>;
  private readonly bucket: string;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(MESSAGING_SETTINGS) private readonly settings: MessagingSettings,
  ) {
    this.bucket = bucketName(settings.prefix, 'testAccessJobs');
  }

  private kv(): Promise<KV> {
    this.kvPromise ??= this.nc.jetstream().views.kv(this.bucket, {
      history: 1, ttl: JOB_TTL_MS, storage: StorageType.File, replicas: this.settings.replicas ?? 1,
    });
    this.kvPromise.catch(() => (this.kvPromise = undefined));
    return this.kvPromise;
  }

  async put(job: TestAccessJobRecord): Promise<void> {
    await (await this.kv()).put(job.id, JSON.stringify(job));
  }

  async get(id: string): Promise<TestAccessJobRecord | undefined> {
    if (!/^[a-zA-Z0-9_-]{1,64}$/.test(id)) return undefined;
    const entry = await (await this.kv()).get(id);
    if (!entry || entry.operation !== 'PUT' || entry.value.length === 0) return undefined;
    return TestAccessJobRecord.parse(JSON.parse(entry.string()));
  }
}
