import { DynamicModule, Global, Injectable, MiddlewareConsumer, Module, NestModule, OnApplicationBootstrap, RequestMethod } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { MESSAGING_OBSERVER } from './messaging-observer';
import { METRICS_SETTINGS, MetricsSettings, metricsSettingsFromEnv } from './metrics.settings';
import { PoolCounts, RouterMetrics } from './router-metrics';
import { ConsumerLagSampler } from './consumer-lag.sampler';
import { MetricsMiddleware } from './metrics.middleware';

interface PgPoolLike {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
  options?: { max?: number };
}

/** Points the pool gauge at the app's TypeORM DataSource, when the app has one. */
@Injectable()
class PoolWatcher implements OnApplicationBootstrap {
  constructor(private readonly moduleRef: ModuleRef, private readonly metrics: RouterMetrics) {}

  onApplicationBootstrap(): void {
    let ds: { isInitialized: boolean; driver: unknown } | undefined;
    try {
      // typeorm is optional for this lib (as in health.ts): an app without a database has no pool.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      ds = this.moduleRef.get(require('typeorm').DataSource, { strict: false });
    } catch {
      return;
    }
    this.metrics.watchPool((): PoolCounts | undefined => {
      const pool = ds?.isInitialized ? (ds.driver as { master?: PgPoolLike }).master : undefined;
      if (!pool || typeof pool.totalCount !== 'number') return undefined;
      return { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max: pool.options?.max ?? 0 };
    });
  }
}

/**
 * Prometheus metrics of one app: GET /metrics on its HTTP port (METRICS_TOKEN, if set), counters fed by
 * the EventPublisher / EventConsumers (through MESSAGING_OBSERVER), consumer lag sampled from
 * JetStream, the DB pool, and Node's default process metrics. Import it once per app, next to
 * MessagingModule.forRoot(appName); inject RouterMetrics (optional) where an app observes more.
 */
@Global()
@Module({})
export class MetricsModule implements NestModule {
  static forRoot(appName: string, settings?: MetricsSettings): DynamicModule {
    return {
      module: MetricsModule,
      providers: [
        { provide: METRICS_SETTINGS, useValue: settings ?? metricsSettingsFromEnv(appName) },
        RouterMetrics,
        { provide: MESSAGING_OBSERVER, useExisting: RouterMetrics },
        ConsumerLagSampler,
        PoolWatcher,
        MetricsMiddleware,
      ],
      exports: [RouterMetrics, MESSAGING_OBSERVER, ConsumerLagSampler],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(MetricsMiddleware).forRoutes({ path: 'metrics', method: RequestMethod.GET });
  }
}
