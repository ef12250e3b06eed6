import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { KV, KvWatchInclude, NatsConnection, QueuedIterator, KvEntry, StorageType } from 'nats';
import { CONFIG_KV_KEYS, PublishedConfigInputV1, PublishedConfigV1, bucketName } from '@mailrouter/contracts';
import { errorMessage } from '@mailrouter/platform';
import { NATS_CONNECTION } from './nats-connection';
import { MESSAGING_SETTINGS, MessagingSettings } from './messaging.settings';

/** A configuration larger than this is stored as chunks of this size (below NATS's 1 MiB max_payload). */
export const CONFIG_CHUNK_BYTES = 512 * 1024;
const MANIFEST_MARK = 'chunkedConfigV1';

interface ChunkManifest {
  [MANIFEST_MARK]: 1;
  version: number;
  publishedAt: string;
  chunks: number;
  bytes: number;
  sha256: string;
}

function chunkKey(version: number, index: number): string {
  return `${CONFIG_KV_KEYS.version(version)}.chunk.${index}`;
}

function isManifest(value: unknown): value is ChunkManifest {
  const v = value as Partial<ChunkManifest> | null;
  return typeof v === 'object' && v !== null && v[MANIFEST_MARK] === 1 && Number.isInteger(v.chunks) && Number.isInteger(v.version)
    && typeof v.sha256 === 'string' && typeof v.bytes === 'number';
}

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

  /**
   * A version up to CONFIG_CHUNK_BYTES is one value (at `version.<n>` and `current`). A larger one
   * is written as chunk entries first (`version.<n>.chunk.<i>`), then a manifest naming them at
   * `version.<n>` and `current`: `current` never points at a partly written version.
   */
  async write(config: PublishedConfigInputV1): Promise<void> {
    const kv = await this.kv();
    const parsed = PublishedConfigV1.parse(config);
    const body = Buffer.from(JSON.stringify(parsed));
    let head: Uint8Array = body;
    if (body.byteLength > CONFIG_CHUNK_BYTES) {
      const chunks = Math.ceil(body.byteLength / CONFIG_CHUNK_BYTES);
      for (let i = 0; i < chunks; i++) {
        await kv.put(chunkKey(parsed.version, i), body.subarray(i * CONFIG_CHUNK_BYTES, (i + 1) * CONFIG_CHUNK_BYTES));
      }
      const manifest: ChunkManifest = {
        [MANIFEST_MARK]: 1, version: parsed.version, publishedAt: parsed.publishedAt, chunks,
        bytes: body.byteLength, sha256: createHash('sha256').update(body).digest('hex'),
      };
      head = Buffer.from(JSON.stringify(manifest));
    }
    await kv.put(CONFIG_KV_KEYS.version(parsed.version), head);
    await kv.put(CONFIG_KV_KEYS.current, head);
  }

  async read(key: string = CONFIG_KV_KEYS.current): Promise<PublishedConfigV1 | undefined> {
    const kv = await this.kv();
    const entry = await kv.get(key);
    if (!entry || entry.operation !== 'PUT' || entry.length === 0) return undefined;
    return this.decode(kv, entry);
  }

  /** A value is either the configuration itself or the manifest of its chunks. */
  private async decode(kv: KV, entry: KvEntry): Promise<PublishedConfigV1> {
    const value: unknown = entry.json();
    if (!isManifest(value)) return PublishedConfigV1.parse(value);
    const parts: Uint8Array[] = [];
    for (let i = 0; i < value.chunks; i++) {
      const chunk = await kv.get(chunkKey(value.version, i));
      if (!chunk || chunk.operation !== 'PUT') throw new Error(`configuration version ${value.version}: chunk ${i} of ${value.chunks} is missing`);
      parts.push(chunk.value);
    }
    const body = Buffer.concat(parts);
    const sha256 = createHash('sha256').update(body).digest('hex');
    if (body.byteLength !== value.bytes || sha256 !== value.sha256) {
      throw new Error(`configuration version ${value.version}: its chunks do not match the manifest`);
    }
    return PublishedConfigV1.parse(JSON.parse(body.toString('utf8')));
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
          const cfg = await this.decode(kv, entry);
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
