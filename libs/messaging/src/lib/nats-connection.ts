import { connect, NatsConnection } from 'nats';
import type { MessagingSettings } from './messaging.settings';

export const NATS_CONNECTION = Symbol('NATS_CONNECTION');

/** One connection per process; reconnects forever (a broker restart is an outage, not an end). */
export async function connectNats(settings: MessagingSettings): Promise<NatsConnection> {
  return connect({
    servers: settings.url.split(',').map((s) => s.trim()),
    name: settings.clientName,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    waitOnFirstConnect: true,
    timeout: 5000,
  });
}
