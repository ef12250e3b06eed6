import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, Provider } from '@nestjs/common';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { JSONCodec, NatsConnection } from 'nats';
import { HEARTBEAT, HEARTBEAT_INTERVAL_MS, HeartbeatV1, prefixed } from '@mailrouter/contracts';
import { errorMessage } from '@mailrouter/platform';
import { MESSAGING_SETTINGS, MessagingSettings } from './messaging.settings';
import { NATS_CONNECTION } from './nats-connection';

/**
 * Says "this replica of <app> is alive" on core NATS (`<prefix>.heartbeat.v1`) at boot and every
 * HEARTBEAT_INTERVAL_MS, so config's health view lists every service's replicas. Core NATS, not
 * JetStream: a missed beat is simply not heard, and nothing piles up while nobody listens.
 */
@Injectable()
export class HeartbeatPublisher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger(HeartbeatPublisher.name);
  readonly beat: HeartbeatV1;
  private timer?: NodeJS.Timeout;
  private warned = false;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(MESSAGING_SETTINGS) private readonly settings: MessagingSettings,
    app: string,
    private readonly intervalMs = HEARTBEAT_INTERVAL_MS,
  ) {
    const host = hostname();
    this.beat = { app, instance: `${host}:${process.pid}:${randomBytes(3).toString('hex')}`, host, startedAt: new Date().toISOString() };
  }

  onApplicationBootstrap(): void {
    this.publish();
    this.timer = setInterval(() => this.publish(), this.intervalMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  publish(): void {
    if (this.nc.isClosed() || this.nc.isDraining()) return;
    try {
      this.nc.publish(prefixed(this.settings.prefix, HEARTBEAT.subject), JSONCodec<HeartbeatV1>().encode(this.beat));
      this.warned = false;
    } catch (err) {
      if (!this.warned) this.log.warn(`heartbeat not sent: ${errorMessage(err)}`);
      this.warned = true;
    }
  }
}

/** The heartbeat of `app` (MessagingModule.forRoot registers it for every service). */
export function heartbeatProvider(app: string): Provider {
  return {
    provide: HeartbeatPublisher,
    useFactory: (nc: NatsConnection, settings: MessagingSettings) => new HeartbeatPublisher(nc, settings, app),
    inject: [NATS_CONNECTION, MESSAGING_SETTINGS],
  };
}
