import { connect } from 'nats';
import { BUCKETS, STREAMS, StreamName, bucketName, streamName } from '@mailrouter/contracts';
import { uniqueName } from './wait';

export const TEST_NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

/** A prefix of its own for a test's streams, buckets and subjects. */
export function testNatsPrefix(): string {
  return uniqueName('t');
}

/** Deletes the streams, key-value and object buckets under a prefix. */
export async function deleteNatsPrefix(prefix: string): Promise<void> {
  const nc = await connect({ servers: TEST_NATS_URL });
  try {
    const jsm = await nc.jetstreamManager();
    const names = [
      ...(Object.keys(STREAMS) as StreamName[]).map((s) => streamName(prefix, s)),
      ...(Object.keys(BUCKETS) as (keyof typeof BUCKETS)[]).flatMap((b) => [`KV_${bucketName(prefix, b)}`, `OBJ_${bucketName(prefix, b)}`]),
    ];
    for (const name of names) await jsm.streams.delete(name).catch(() => undefined);
  } finally {
    await nc.close();
  }
}
