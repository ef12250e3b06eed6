import { Inject, Injectable } from '@nestjs/common';
import type { NatsConnection } from 'nats';
import { STREAMS, StreamName, streamName } from '@mailrouter/contracts';
import { MESSAGING_SETTINGS, MessagingSettings, NATS_CONNECTION } from '@mailrouter/messaging';

export interface ConsumerLag {
  stream: string;
  durable: string;
  /** Messages not yet delivered to the durable (num_pending): the lag. */
  pending: number;
  /** Delivered and not yet acknowledged. */
  ackPending: number;
  /** Delivered more than once (redeliveries in progress). */
  redelivered: number;
}

/** The work streams' durable consumers (one per consuming app, shared by its replicas). RAW_MAIL has none. */
const WORK_STREAMS: StreamName[] = (Object.keys(STREAMS) as StreamName[]).filter((s) => s !== 'RAW_MAIL');

/** JetStream consumer info of every durable on the work streams: the lag that scales inbound and outbound. */
@Injectable()
export class ConsumerLagRepository {
  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(MESSAGING_SETTINGS) private readonly settings: MessagingSettings,
  ) {}

  async all(): Promise<ConsumerLag[]> {
    const jsm = await this.nc.jetstreamManager();
    const out: ConsumerLag[] = [];
    for (const s of WORK_STREAMS) {
      const stream = streamName(this.settings.prefix, s);
      for await (const c of jsm.consumers.list(stream)) {
        if (!c.config.durable_name) continue;
        out.push({ stream, durable: c.config.durable_name, pending: c.num_pending, ackPending: c.num_ack_pending, redelivered: c.num_redelivered });
      }
    }
    return out;
  }
}
