import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { JetStreamClient, JetStreamManager, MsgHdrs, NatsConnection, ObjectStore, StorageType, StoredMsg, headers } from 'nats';
import { bucketName, prefixed, streamName } from '@mailrouter/contracts';
import { NATS_CONNECTION } from './nats-connection';
import { MESSAGING_SETTINGS, MessagingSettings } from './messaging.settings';
import { ensureStream, isNotFound } from './topology';

export interface StoredRaw {
  bucket: string;
  key: string;
  size: number;
  sha256: string;
}

/**
 * Raw MIME up to this size is one message in the RAW_MAIL stream (subject per key, read with a
 * direct get, checked with node:crypto's SHA-256); larger ones go to the object store, which
 * chunks them (and hashes them with nats.js's JavaScript SHA-256). Kept well below the server's
 * max_payload (1 MiB by default).
 */
export const RAW_INLINE_MAX_BYTES = 512 * 1024;
/** Header carrying the SHA-256 (hex) of an inline raw message, verified on every read. */
export const RAW_SHA256_HEADER = 'Mailrouter-Sha256';
/** Room left in a NATS message for the subject and headers. */
const HEADER_ROOM_BYTES = 4 * 1024;

/** nats.js's manager has `direct` (JetStreamManagerImpl) but its exported type does not declare it. */
type DirectGetManager = JetStreamManager & {
  direct: { getMessage(stream: string, query: { last_by_subj: string }): Promise<StoredMsg> };
};

/** Raw MIME of received messages; events carry only the key. */
@Injectable()
export class RawMailStore {
  private store?: Promise<ObjectStore>;
  private stream?: Promise<JetStreamManager>;
  private readonly js: JetStreamClient;
  readonly bucket: string;
  private readonly streamName: string;
  private readonly prefix: string;
  private readonly replicas: number;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(MESSAGING_SETTINGS) settings: MessagingSettings,
  ) {
    this.replicas = settings.replicas ?? 1;
    this.prefix = settings.prefix;
    this.bucket = bucketName(settings.prefix, 'rawMail');
    this.streamName = streamName(settings.prefix, 'RAW_MAIL');
    this.js = nc.jetstream();
  }

  private os(): Promise<ObjectStore> {
    this.store ??= this.nc.jetstream().views.os(this.bucket, { storage: StorageType.File, replicas: this.replicas });
    this.store.catch(() => (this.store = undefined));
    return this.store;
  }

  /** The stream exists once MessagingModule booted; this also covers a store built by hand. */
  private jsm(): Promise<JetStreamManager> {
    this.stream ??= this.nc.jetstreamManager().then(async (jsm) => {
      await ensureStream(jsm, this.prefix, 'RAW_MAIL', this.replicas);
      return jsm;
    });
    this.stream.catch(() => (this.stream = undefined));
    return this.stream;
  }

  /** Subject of a key: base64url keeps any key (dots, wildcards, spaces) one subject token. */
  private subject(key: string): string {
    return prefixed(this.prefix, `raw.${Buffer.from(key, 'utf8').toString('base64url')}`);
  }

  private inlineLimit(): number {
    const maxPayload = this.nc.info?.max_payload ?? RAW_INLINE_MAX_BYTES + HEADER_ROOM_BYTES;
    return Math.min(RAW_INLINE_MAX_BYTES, maxPayload - HEADER_ROOM_BYTES);
  }

  /** Idempotent by key: storing the same message again replaces it with the same bytes. */
  async put(key: string, data: Uint8Array): Promise<StoredRaw> {
    const sha256 = createHash('sha256').update(data).digest('hex');
    if (data.byteLength <= this.inlineLimit()) {
      await this.jsm();
      const ack = await this.js.publish(this.subject(key), data, { msgID: key, headers: shaHeader(sha256) });
      // A duplicate within the window is only fine while the first copy is still there (not deleted).
      if (ack.duplicate && !(await this.getInline(key))) await this.js.publish(this.subject(key), data, { headers: shaHeader(sha256) });
    } else {
      await (await this.os()).putBlob({ name: key }, data);
    }
    return { bucket: this.bucket, key, size: data.byteLength, sha256 };
  }

  /** The stored bytes (inline or in the object store), or null when the key is unknown. */
  async get(key: string): Promise<Uint8Array | null> {
    const inline = await this.getInline(key);
    if (inline) return inline;
    return (await this.os()).getBlob(key);
  }

  private async getInline(key: string): Promise<Uint8Array | null> {
    const jsm = await this.jsm();
    let msg;
    try {
      msg = await (jsm as DirectGetManager).direct.getMessage(this.streamName, { last_by_subj: this.subject(key) });
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
    const expected = msg.header.get(RAW_SHA256_HEADER);
    const actual = createHash('sha256').update(msg.data).digest('hex');
    if (expected && expected !== actual) throw new Error(`raw mail ${key} is corrupt: sha256 ${actual}, expected ${expected}`);
    return msg.data;
  }

  async delete(key: string): Promise<void> {
    const jsm = await this.jsm();
    const purged = await jsm.streams.purge(this.streamName, { filter: this.subject(key) }).catch(() => ({ purged: 0 }));
    if (purged.purged > 0) return;
    await (await this.os()).delete(key).catch(() => undefined);
  }
}

/** A fresh header set per publish: nats.js writes Nats-Msg-Id into the object it is given. */
function shaHeader(sha256: string): MsgHdrs {
  const h = headers();
  h.set(RAW_SHA256_HEADER, sha256);
  return h;
}
