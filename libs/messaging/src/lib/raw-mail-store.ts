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
 * direct get, checked with node:crypto's SHA-256); larger ones are split into chunks of this size
 * in the same stream (see put). Kept well below the server's max_payload (1 MiB by default).
 */
export const RAW_INLINE_MAX_BYTES = 512 * 1024;
/** Header carrying the SHA-256 (hex) of a raw message (all of it when chunked), verified on every read. */
export const RAW_SHA256_HEADER = 'Mailrouter-Sha256';
/** Header of a chunked message's head: how many chunks follow at `<subject>.<index>`. */
export const RAW_CHUNKS_HEADER = 'Mailrouter-Chunks';
/** Header of a chunked message's head: the total size in bytes. */
export const RAW_SIZE_HEADER = 'Mailrouter-Size';
/**
 * Chunks written or read at once: enough to keep the server busy, few enough that a message
 * never sits in memory more than twice.
 */
const CHUNK_WINDOW = 8;
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
    await this.jsm();
    const limit = this.inlineLimit();
    if (data.byteLength > limit) return this.putChunked(key, data, limit);
    const sha256 = createHash('sha256').update(data).digest('hex');
    const ack = await this.js.publish(this.subject(key), data, { msgID: key, headers: shaHeader(sha256) });
    // A duplicate within the window is only fine while the first copy is still there (not deleted).
    if (ack.duplicate && !(await this.getInline(key))) await this.js.publish(this.subject(key), data, { headers: shaHeader(sha256) });
    return { bucket: this.bucket, key, size: data.byteLength, sha256 };
  }

  /**
   * A large message as chunks at `<subject>.<index>`, then a head at the key's subject naming
   * their count, size and SHA-256. Written in that order, a reader finds the head only once every
   * chunk is there. Hashed chunk by chunk with node:crypto between the publishes, so a 40 MB
   * message never holds the event loop for long (the object store's JavaScript SHA-256 held it
   * ~0.7 s). Chunks carry no Nats-Msg-Id: storing again simply replaces them with the same bytes.
   */
  private async putChunked(key: string, data: Uint8Array, chunkBytes: number): Promise<StoredRaw> {
    const subject = this.subject(key);
    const hash = createHash('sha256');
    const count = Math.ceil(data.byteLength / chunkBytes);
    let pending: Promise<unknown>[] = [];
    for (let i = 0; i < count; i++) {
      const chunk = data.subarray(i * chunkBytes, Math.min((i + 1) * chunkBytes, data.byteLength));
      hash.update(chunk);
      pending.push(this.js.publish(`${subject}.${i}`, chunk));
      if (pending.length >= CHUNK_WINDOW) {
        await Promise.all(pending);
        pending = [];
      }
    }
    await Promise.all(pending);
    const sha256 = hash.digest('hex');
    const h = shaHeader(sha256);
    h.set(RAW_CHUNKS_HEADER, String(count));
    h.set(RAW_SIZE_HEADER, String(data.byteLength));
    await this.js.publish(subject, new Uint8Array(0), { headers: h });
    return { bucket: this.bucket, key, size: data.byteLength, sha256 };
  }

  /** The stored bytes (inline, chunked, or in the object store of older releases), or null when the key is unknown. */
  async get(key: string): Promise<Uint8Array | null> {
    const inline = await this.getInline(key);
    if (inline) return inline;
    return (await this.os()).getBlob(key);
  }

  private async getInline(key: string): Promise<Uint8Array | null> {
    const msg = await this.direct(this.subject(key));
    if (!msg) return null;
    const expected = msg.header.get(RAW_SHA256_HEADER);
    if (msg.header.has(RAW_CHUNKS_HEADER)) return this.getChunked(key, msg, expected);
    const actual = createHash('sha256').update(msg.data).digest('hex');
    if (expected && expected !== actual) throw new Error(`raw mail ${key} is corrupt: sha256 ${actual}, expected ${expected}`);
    return msg.data;
  }

  /** Reassembles a chunked message, hashing chunk by chunk; a missing chunk or a wrong hash is an error, never short data. */
  private async getChunked(key: string, head: StoredMsg, expected: string): Promise<Uint8Array> {
    const count = Number(head.header.get(RAW_CHUNKS_HEADER));
    const size = Number(head.header.get(RAW_SIZE_HEADER));
    if (!Number.isSafeInteger(count) || !Number.isSafeInteger(size) || count < 1 || size < 0) {
      throw new Error(`raw mail ${key} is corrupt: bad chunk head (${count} chunks, ${size} bytes)`);
    }
    const subject = this.subject(key);
    const out = Buffer.allocUnsafe(size);
    const hash = createHash('sha256');
    let offset = 0;
    for (let first = 0; first < count; first += CHUNK_WINDOW) {
      const indexes = Array.from({ length: Math.min(CHUNK_WINDOW, count - first) }, (_, j) => first + j);
      const chunks = await Promise.all(indexes.map((i) => this.direct(`${subject}.${i}`)));
      for (const [j, chunk] of chunks.entries()) {
        if (!chunk) throw new Error(`raw mail ${key} is incomplete: chunk ${first + j} of ${count} is missing`);
        if (offset + chunk.data.byteLength > size) throw new Error(`raw mail ${key} is corrupt: chunks exceed ${size} bytes`);
        hash.update(chunk.data);
        out.set(chunk.data, offset);
        offset += chunk.data.byteLength;
      }
    }
    const actual = hash.digest('hex');
    if (offset !== size || actual !== expected) {
      throw new Error(`raw mail ${key} is corrupt: ${offset} bytes with sha256 ${actual}, expected ${size} bytes with ${expected}`);
    }
    return out;
  }

  /** The last message on a subject of the stream, or null. */
  private async direct(subject: string): Promise<StoredMsg | null> {
    const jsm = await this.jsm();
    try {
      return await (jsm as DirectGetManager).direct.getMessage(this.streamName, { last_by_subj: subject });
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    const jsm = await this.jsm();
    const purge = (filter: string) => jsm.streams.purge(this.streamName, { filter }).then((r) => r.purged, () => 0);
    // The head first: a reader never finds a head whose chunks are going.
    const purged = (await purge(this.subject(key))) + (await purge(`${this.subject(key)}.>`));
    if (purged > 0) return;
    await (await this.os()).delete(key).catch(() => undefined);
  }
}

/** A fresh header set per publish: nats.js writes Nats-Msg-Id into the object it is given. */
function shaHeader(sha256: string): MsgHdrs {
  const h = headers();
  h.set(RAW_SHA256_HEADER, sha256);
  return h;
}
