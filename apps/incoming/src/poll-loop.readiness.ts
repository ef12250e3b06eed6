import { Global, Injectable, Module } from '@nestjs/common';
import { READINESS_CHECKS, ReadinessCheck } from '@mailrouter/messaging';

/** The poll loop's heartbeat, written by the scheduler, read by /health/ready. */
@Injectable()
export class PollLoopHealth {
  private lastTickAt?: number;
  private lastError?: string;
  private running = 0;
  private stopped = false;
  stallMs = 60_000;

  ticked(running: number): void {
    this.lastTickAt = Date.now();
    this.lastError = undefined;
    this.running = running;
  }

  failed(error: string): void {
    this.lastError = error;
  }

  stop(): void {
    this.stopped = true;
  }

  status(): { alive: boolean; detail: string } {
    const err = this.lastError ? `; last error: ${this.lastError}` : '';
    if (this.stopped) return { alive: false, detail: `stopped${err}` };
    if (this.lastTickAt === undefined) return { alive: false, detail: `no tick yet${err}` };
    const age = Date.now() - this.lastTickAt;
    return { alive: age <= this.stallMs, detail: `last tick ${Math.round(age / 1000)} s ago, ${this.running} poll(s) running${err}` };
  }
}

export function pollLoopCheck(health: PollLoopHealth): ReadinessCheck {
  return async () => {
    const { alive, detail } = health.status();
    if (!alive) {
      throw Object.assign(new Error(`poll loop not running: ${detail}`), { causes: { pollLoop: { status: 'down', detail } } });
    }
    return { pollLoop: { status: 'up', detail } };
  };
}

/** Global so that HealthModule finds READINESS_CHECKS. */
@Global()
@Module({
  providers: [
    PollLoopHealth,
    { provide: READINESS_CHECKS, useFactory: (h: PollLoopHealth) => [pollLoopCheck(h)], inject: [PollLoopHealth] },
  ],
  exports: [PollLoopHealth, READINESS_CHECKS],
})
export class PollLoopReadinessModule {}
