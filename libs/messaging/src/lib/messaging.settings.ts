import { natsEnv, parseEnv } from '@mailrouter/platform';

export interface MessagingSettings {
  url: string;
  prefix: string;
  /** Name shown in NATS monitoring, e.g. `incoming-7f9c`. */
  clientName: string;
  /** Replicas of streams and buckets created by this process (1 on a single node). */
  replicas?: number;
}

export const MESSAGING_SETTINGS = Symbol('MESSAGING_SETTINGS');

export function messagingSettingsFromEnv(appName: string, env: NodeJS.ProcessEnv = process.env): MessagingSettings {
  const parsed = parseEnv(natsEnv, env);
  return { url: parsed.NATS_URL, prefix: parsed.NATS_PREFIX, clientName: `${appName}-${process.pid}`, replicas: parsed.NATS_STREAM_REPLICAS };
}
