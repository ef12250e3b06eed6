import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigStore } from '@mailrouter/messaging';
import { errorMessage } from '@mailrouter/platform';
import { CRM_SETTINGS, CrmSettings } from '../settings';
import { DispatchOutgoingUseCase } from './dispatch-outgoing.usecase';

/**
 * Claims pending-send email every CLAIM_INTERVAL_MS, once a published configuration is known
 * (without one there is no mailbox to send from). A full batch is followed at once by the next.
 */
@Injectable()
export class ClaimLoop implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger(ClaimLoop.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly configs: ConfigStore,
    private readonly dispatch: DispatchOutgoingUseCase,
    @Inject(CRM_SETTINGS) private readonly settings: CrmSettings,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.configs.watch(() => this.startOnce());
  }

  private startOnce(): void {
    if (this.timer || this.running || this.stopped) return;
    this.log.log(`claiming pending-send email every ${this.settings.claimIntervalMs} ms`);
    this.schedule(0);
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.tick().finally(() => (this.running = undefined));
    }, delay);
  }

  private async tick(): Promise<void> {
    let claimed = 0;
    try {
      const config = this.configs.current();
      if (config) claimed = await this.dispatch.claimAndDispatch(config);
    } catch (err) {
      this.log.warn(`claim round failed: ${errorMessage(err)}`);
    }
    this.schedule(claimed >= this.settings.claimBatchSize ? 0 : this.settings.claimIntervalMs);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}
