import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { NatsConnection } from 'nats';
import { errorMessage } from '@mailrouter/platform';
import { NATS_CONNECTION } from '../nats-connection';
import { METRICS_SETTINGS, MetricsSettings } from './metrics.settings';
import { RouterMetrics } from './router-metrics';

/**
 * Samples the JetStream lag (num_pending, num_ack_pending) of the durables this process
 * consumes, every METRICS_LAG_INTERVAL_MS. KEDA reads the same numbers from the NATS
 * monitoring endpoint; these series are for dashboards and alerts.
 */
@Injectable()
export class ConsumerLagSampler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger(ConsumerLagSampler.name);
  private timer?: NodeJS.Timeout;
  private running = false;
  private warned = false;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(METRICS_SETTINGS) private readonly settings: MetricsSettings,
    private readonly metrics: RouterMetrics,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sample(), this.settings.lagIntervalMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** One sample of every durable; a failure leaves the last values and is logged once. */
  async sample(): Promise<void> {
    if (this.running || this.nc.isClosed() || this.nc.isDraining()) return;
    this.running = true;
    try {
      const jsm = await this.nc.jetstreamManager();
      for (const { stream, durable } of this.metrics.consumers()) {
        const info = await jsm.consumers.info(stream, durable);
        this.metrics.setLag(stream, durable, info.num_pending, info.num_ack_pending);
      }
      this.warned = false;
    } catch (err) {
      if (!this.warned) this.log.warn(`consumer lag not sampled: ${errorMessage(err)}`);
      this.warned = true;
    } finally {
      this.running = false;
    }
  }
}
