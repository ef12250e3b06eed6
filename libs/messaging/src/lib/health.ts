import { Controller, Get, Inject, Injectable, Module, Optional } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { HealthCheck, HealthCheckService, HealthIndicatorResult, TerminusModule } from '@nestjs/terminus';
import type { NatsConnection } from 'nats';
import type { DataSource } from 'typeorm';
import { NATS_CONNECTION } from './nats-connection';

/** Extra readiness checks an app adds (e.g. incoming's poll loop). */
export const READINESS_CHECKS = Symbol('READINESS_CHECKS');
export type ReadinessCheck = () => Promise<HealthIndicatorResult>;

@Injectable()
class Indicators {
  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly moduleRef: ModuleRef,
    @Optional() @Inject(READINESS_CHECKS) private readonly extra: ReadinessCheck[] = [],
  ) {}

  nats = async (): Promise<HealthIndicatorResult> => {
    const up = !this.nc.isClosed() && !this.nc.isDraining();
    if (!up) throw Object.assign(new Error('NATS connection closed'), { causes: { nats: { status: 'down' } } });
    await this.nc.flush();
    return { nats: { status: 'up' } };
  };

  database = async (): Promise<HealthIndicatorResult> => {
    let ds: DataSource | undefined;
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      ds = this.moduleRef.get(require('typeorm').DataSource, { strict: false });
    } catch {
      return {};
    }
    await ds!.query('SELECT 1');
    return { database: { status: 'up' } };
  };

  all(): (() => Promise<HealthIndicatorResult>)[] {
    return [this.nats, this.database, ...(this.extra ?? [])];
  }
}

@Controller('health')
class HealthController {
  constructor(private readonly health: HealthCheckService, private readonly indicators: Indicators) {}

  /** The process is alive (Kubernetes livenessProbe). */
  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Database, NATS and the app's own checks answer (readinessProbe). */
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check(this.indicators.all());
  }
}

@Module({ imports: [TerminusModule.forRoot({ logger: false })], controllers: [HealthController], providers: [Indicators] })
export class HealthModule {}
