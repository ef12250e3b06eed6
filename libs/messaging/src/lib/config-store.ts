import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { KV, KvWatchInclude, NatsConnection, QueuedIterator, KvEntry, StorageType } from 'nats';
import { CONFIG_KV_KEYS, PublishedConfigInputV1, PublishedConfigV1, bucketName } from '@mailrouter/contracts';
import { errorMessage } from '@mailrouter/platform';
import { NATS_CONNECTION } from './nats-connection';
import { MESSAGING_SETTINGS, MessagingSettings } from './messaging.settings';

/**
 * The published configuration in a JetStream key-value bucket. `config` writes versions;
 * every other service watches `current` and switches without a restart.
 */
@Injectable()
export class ConfigStore implements OnModuleDestroy {
  private readonly log = new Logger(ConfigStore.name);
  private kvPromise?: Promise<KV>;
  private watcher?: QueuedIterator<KvEntry>;
  private latest?: PublishedConfigV1;
  readonly bucket: string;
  private readonly replicas: number;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(MESSAGING_SETTINGS) settings: MessagingSettings,
  ) {
    this.replicas = settings.replicas ?? 1;
    this.bucket = bucketName(settings.prefix, 'config');
  }

  private kv(): Promise<KV> {
    this.kvPromise ??= this.nc.jetstream().views.kv(this.bucket, { history: 5, storage: StorageType.File, replicas: this.replicas });
    this.kvPromise.catch(() => (this.kvPromise = undefined));
    return this.kvPromise;
  }

  async write(config: PublishedConfigInputV1): Promise<void> {
    const kv = await this.kv();
    const body = Buffer.from(JSON.stringify(PublishedConfigV1.parse(config)));
    await kv.put(CONFIG_KV_KEYS.version(config.version), body);
    await kv.put(CONFIG_KV_KEYS.current, body);
  }

  async read(key: string = CONFIG_KV_KEYS.current): Promise<PublishedConfigV1 | undefined> {
    const entry = await (await this.kv()).get(key);
    if (!entry || entry.operation !== 'PUT' || entry.length === 0) return undefined;
    return PublishedConfigV1.parse(entry.json());
  }

  /** The version the process runs now (undefined until something was published). */
  current(): PublishedConfigV1 | undefined {
    return this.latest;
  }

  /** Calls `onChange` with the current version now (if any) and with every new one. */
  async watch(onChange: (config: PublishedConfigV1) => void | Promise<void>): Promise<void> {
    const kv = await this.kv();
    this.watcher = await kv.watch({ key: CONFIG_KV_KEYS.current, include: KvWatchInclude.LastValue });
    void (async () => {
      for await (const entry of this.watcher!) {
        if (entry.operation !== 'PUT' || entry.length === 0) continue;
        try {
          const cfg = PublishedConfigV1.parse(entry.json());
          if (this.latest && cfg.version <= this.latest.version && cfg.publishedAt === this.latest.publishedAt) continue;
          this.latest = cfg;
          this.log.log(`switched to configuration version ${cfg.version}`);
          await onChange(cfg);
        } catch (err) {
          this.log.error(`ignored an unreadable configuration entry: ${errorMessage(err)}`);
        }
      }
    })();
  }

  onModuleDestroy(): void {
    this.watcher?.stop();
  }
}
