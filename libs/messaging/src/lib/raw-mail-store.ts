import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { NatsConnection, ObjectStore, StorageType } from 'nats';
import { bucketName } from '@mailrouter/contracts';
import { NATS_CONNECTION } from './nats-connection';
import { MESSAGING_SETTINGS, MessagingSettings } from './messaging.settings';

export interface StoredRaw {
  bucket: string;
  key: string;
  size: number;
  sha256: string;
}

/** Raw MIME of received messages in the JetStream object store; events carry only the key. */
@Injectable()
export class RawMailStore {
  private store?: Promise<ObjectStore>;
  readonly bucket: string;
  private readonly replicas: number;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(MESSAGING_SETTINGS) settings: MessagingSettings,
  ) {
    this.replicas = settings.replicas ?? 1;
    this.bucket = bucketName(settings.prefix, 'rawMail');
  }

  private os(): Promise<ObjectStore> {
    this.store ??= this.nc.jetstream().views.os(this.bucket, { storage: StorageType.File, replicas: this.replicas });
    this.store.catch(() => (this.store = undefined));
    return this.store;
  }

  /** Idempotent by key: storing the same message again replaces it with the same bytes. */
  async put(key: string, data: Uint8Array): Promise<StoredRaw> {
    const os = await this.os();
    await os.putBlob({ name: key }, data);
    return { bucket: this.bucket, key, size: data.byteLength, sha256: createHash('sha256').update(data).digest('hex') };
  }

  async get(key: string): Promise<Uint8Array | null> {
    return (await this.os()).getBlob(key);
  }

  async delete(key: string): Promise<void> {
    await (await this.os()).delete(key).catch(() => undefined);
  }
}
