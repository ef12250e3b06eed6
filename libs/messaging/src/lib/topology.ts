import {
  AckPolicy, DeliverPolicy, JetStreamManager, NatsConnection, RetentionPolicy, StorageType, nanos,
} from 'nats';
import { STREAMS, StreamName, prefixed, streamName } from '@mailrouter/contracts';

/** How long JetStream remembers a Nats-Msg-Id to drop a repeated publish. */
export const DUPLICATE_WINDOW_MS = 10 * 60 * 1000;
/** How long work may wait in a stream before it is discarded (never in practice). */
export const STREAM_MAX_AGE_MS = 14 * 24 * 60 * 60 * 1000;

/** Creates (or updates) the streams and buckets; every app calls it at boot, idempotently. */
export async function ensureStreams(nc: NatsConnection, prefix: string, replicas = 1): Promise<void> {
  const jsm = await nc.jetstreamManager();
  for (const name of Object.keys(STREAMS) as StreamName[]) await ensureStream(jsm, prefix, name, replicas);
}

/** Creates (or updates) one stream, idempotently. */
export async function ensureStream(jsm: JetStreamManager, prefix: string, name: StreamName, replicas = 1): Promise<void> {
  const config = {
    name: streamName(prefix, name),
    subjects: STREAMS[name].map((s) => prefixed(prefix, s)),
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    duplicate_window: nanos(DUPLICATE_WINDOW_MS),
    max_age: nanos(STREAM_MAX_AGE_MS),
    num_replicas: replicas,
    // Raw mail is kept like the object store keeps it (no age limit), the last message per key only,
    // read with direct gets.
    ...(name === 'RAW_MAIL' ? { max_age: 0, max_msgs_per_subject: 1, allow_direct: true } : {}),
  };
  try {
    await jsm.streams.info(config.name);
    await jsm.streams.update(config.name, config);
  } catch (err) {
    if (!isNotFound(err)) throw err;
    await jsm.streams.add(config);
  }
}

export interface DurableConsumerSpec {
  stream: StreamName;
  durable: string;
  filterSubject: string;
  ackWaitMs: number;
}

/** A durable pull consumer shared by all replicas of the consuming app. */
export async function ensureDurableConsumer(jsm: JetStreamManager, prefix: string, spec: DurableConsumerSpec): Promise<void> {
  const stream = streamName(prefix, spec.stream);
  const config = {
    durable_name: spec.durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    filter_subject: prefixed(prefix, spec.filterSubject),
    ack_wait: nanos(spec.ackWaitMs),
    // Attempts are counted by the consumer runner, which quarantines; JetStream never drops.
    max_deliver: -1,
    max_ack_pending: 1000,
  };
  try {
    await jsm.consumers.info(stream, spec.durable);
    await jsm.consumers.update(stream, spec.durable, { ack_wait: config.ack_wait, max_ack_pending: config.max_ack_pending });
  } catch (err) {
    if (!isNotFound(err)) throw err;
    await jsm.consumers.add(stream, config);
  }
}

export function isNotFound(err: unknown): boolean {
  const e = err as { code?: string; api_error?: { err_code?: number }; message?: string };
  return e?.code === '404' || e?.api_error?.err_code === 10059 || e?.api_error?.err_code === 10014 || /not found/i.test(e?.message ?? '');
}
