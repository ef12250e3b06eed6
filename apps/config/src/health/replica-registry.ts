import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { JSONCodec, NatsConnection, Subscription } from 'nats';
import { HEARTBEAT, HEARTBEAT_TTL_MS, prefixed } from '@mailrouter/contracts';
import { MESSAGING_SETTINGS, MessagingSettings, NATS_CONNECTION } from '@mailrouter/messaging';

export interface ReplicaView {
  app: string;
  instance: string;
  host: string;
  startedAt: string;
  lastSeenAt: string;
}

/**
 * The replicas of every service, from their heartbeats (core NATS `<prefix>.heartbeat.v1`):
 * those heard within HEARTBEAT_TTL_MS. Each config replica listens itself (no queue group),
 * so any of them answers GET /api/v1/health with the whole picture.
 */
@Injectable()
export class ReplicaRegistry implements OnModuleInit, OnApplicationShutdown {
  private readonly log = new Logger(ReplicaRegistry.name);
  private readonly seen = new Map<string, { beat: ReplicaView; at: number }>();
  private sub?: Subscription;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(MESSAGING_SETTINGS) private readonly settings: MessagingSettings,
  ) {}

  /** Before any bootstrap hook, so this process's own first heartbeat (sent at bootstrap) is heard. */
  onModuleInit(): void {
    const codec = JSONCodec<unknown>();
    this.sub = this.nc.subscribe(prefixed(this.settings.prefix, HEARTBEAT.subject), {
      callback: (err, msg) => {
        if (err) return;
        let parsed;
        try {
          parsed = HEARTBEAT.schema.safeParse(codec.decode(msg.data));
        } catch {
          return;
        }
        if (!parsed.success) {
          this.log.debug(`ignored a malformed heartbeat: ${parsed.error.message}`);
          return;
        }
        const now = Date.now();
        this.seen.set(parsed.data.instance, { beat: { ...parsed.data, lastSeenAt: new Date(now).toISOString() }, at: now });
      },
    });
  }

  onApplicationShutdown(): void {
    this.sub?.unsubscribe();
  }

  /** Replicas heard within the TTL, by app then instance; older ones are forgotten. */
  live(now = Date.now()): ReplicaView[] {
    for (const [instance, r] of this.seen) if (now - r.at > HEARTBEAT_TTL_MS) this.seen.delete(instance);
    return [...this.seen.values()].map((r) => r.beat).sort((a, b) => a.app.localeCompare(b.app) || a.instance.localeCompare(b.instance));
  }
}
