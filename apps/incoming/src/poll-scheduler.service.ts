import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { serverKey } from '@mailrouter/mail-adapters';
import { errorMessage } from '@mailrouter/platform';
import { MailboxStateRepository } from './mailbox-state.repository';
import { PollLoopHealth } from './poll-loop.readiness';
import { PollMailboxUseCase } from './poll-mailbox.usecase';
import { ReceivedMessageRepository } from './received-message.repository';
import { ServedMailboxes } from './served-mailboxes.service';
import { ServerSlots } from './server-slots';
import { INCOMING_SETTINGS, IncomingSettings } from './settings';

/**
 * The poll loop: every tick, the served mailboxes that are due (and not leased by another
 * replica) are polled, each holding one of its server's `maxConnections` slots.
 */
@Injectable()
export class PollScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger(PollScheduler.name);
  private readonly slots = new ServerSlots();
  private readonly running = new Map<string, Promise<unknown>>();
  private timer?: NodeJS.Timeout;
  private ticking = false;
  private stopping = false;

  constructor(
    @Inject(INCOMING_SETTINGS) private readonly settings: IncomingSettings,
    private readonly served: ServedMailboxes,
    private readonly states: MailboxStateRepository,
    private readonly received: ReceivedMessageRepository,
    private readonly pollMailbox: PollMailboxUseCase,
    private readonly health: PollLoopHealth,
  ) {
    health.stallMs = settings.pollLoopStallMs;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.served.start();
    this.timer = setInterval(() => void this.tick(), this.settings.pollTickMs);
    void this.tick();
  }

  async tick(): Promise<void> {
    if (this.ticking || this.stopping) return;
    this.ticking = true;
    try {
      await this.served.syncState();
      // Polls in progress keep their lease; a crashed replica's lease runs out within POLL_LEASE_SECONDS.
      if (this.running.size) await this.states.renewLeases([...this.running.keys()], this.settings.pollLeaseSeconds);
      const due = await this.states.due(this.served.ids(), this.received.tableName);
      for (const id of due) {
        if (this.stopping) break;
        if (!this.running.has(id)) await this.start(id);
      }
      this.health.ticked(this.running.size);
    } catch (err) {
      this.health.failed(errorMessage(err));
      this.log.warn(`poll loop tick failed: ${errorMessage(err)}`);
    } finally {
      this.ticking = false;
    }
  }

  private async start(id: string): Promise<void> {
    const served = this.served.get(id);
    if (!served) return;
    const key = serverKey(served.endpoint);
    if (!this.slots.tryAcquire(key, served.endpoint.maxConnections)) return;
    let started = false;
    try {
      const state = await this.states.claim(id, this.settings.pollLeaseSeconds);
      if (!state) return;
      const run = this.pollMailbox.execute(served, state).finally(() => {
        this.slots.release(key);
        this.running.delete(id);
      });
      this.running.set(id, run);
      started = true;
    } finally {
      if (!started) this.slots.release(key);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.health.stop();
    if (this.timer) clearInterval(this.timer);
    await Promise.allSettled([...this.running.values()]);
  }
}
