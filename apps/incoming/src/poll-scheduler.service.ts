import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { serverKey } from '@mailrouter/mail-adapters';
import { inSpan } from '@mailrouter/messaging';
import { errorMessage } from '@mailrouter/platform';
import { IdleWatchers } from './idle-watchers.service';
import { MailboxLeases } from './mailbox-leases.service';
import { MailboxStateRepository } from './mailbox-state.repository';
import { PollLoopHealth } from './poll-loop.readiness';
import { PollMailboxUseCase } from './poll-mailbox.usecase';
import { PollOutcome, PollSpanRepository, PollTrigger } from './poll-span.repository';
import { ReceivedMessageRepository } from './received-message.repository';
import { ServedMailboxes } from './served-mailboxes.service';
import { ServerSlots } from './server-slots';
import { INCOMING_SETTINGS, IncomingSettings } from './settings';

interface RunningPoll {
  done: Promise<void>;
  abort: AbortController;
}

/**
 * The poll loop. Every tick: renew this replica's mailbox leases (and take or give back its
 * share), hold IDLE on the IMAP mailboxes it serves, and poll those that are due, each poll
 * holding one of its server's `maxConnections` slots. IDLE wakes a mailbox's poll at once.
 */
@Injectable()
export class PollScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly log = new Logger(PollScheduler.name);
  private readonly running = new Map<string, RunningPoll>();
  /** Woken (IDLE) while a poll ran or no slot was free: polled as soon as possible. */
  private readonly woken = new Set<string>();
  /** Mailboxes whose last poll failed: no IDLE for them (a wrong password is not retried every second). */
  private readonly failing = new Set<string>();
  /** Disabled after repeated failures (read every tick): neither polled nor watched until re-enabled. */
  private disabled = new Set<string>();
  /** Due at the last tick but not started (no free slot): started as slots free up, before the next tick. */
  private readonly queued = new Set<string>();
  private timer?: NodeJS.Timeout;
  private ticking?: Promise<void>;
  /** A tick was asked for while one ran: run another right after it. */
  private tickAgain = false;
  private stopping = false;

  constructor(
    @Inject(INCOMING_SETTINGS) private readonly settings: IncomingSettings,
    private readonly served: ServedMailboxes,
    private readonly states: MailboxStateRepository,
    private readonly received: ReceivedMessageRepository,
    private readonly pollMailbox: PollMailboxUseCase,
    private readonly leases: MailboxLeases,
    private readonly watchers: IdleWatchers,
    private readonly spans: PollSpanRepository,
    private readonly slots: ServerSlots,
    private readonly health: PollLoopHealth,
  ) {
    health.stallMs = settings.pollLoopStallMs;
  }

  async onApplicationBootstrap(): Promise<void> {
    this.log.log(`replica ${this.settings.replicaId}: leases of ${this.settings.pollLeaseSeconds} s, IMAP IDLE ${this.settings.idle.enabled ? 'on' : 'off'}`);
    // A new configuration is acted on at once (leases, first polls), not at the next tick: the
    // first poll of a newly published mailbox started up to POLL_TICK_MS late (docs/performance.md).
    this.served.onApplied(() => this.tickSoon());
    await this.served.start();
    this.timer = setInterval(() => void this.tick(), this.settings.pollTickMs);
    void this.tick();
  }

  tick(): Promise<void> {
    if (this.ticking || this.stopping) return this.ticking ?? Promise.resolve();
    this.ticking = this.runTick().finally(() => {
      this.ticking = undefined;
      if (this.tickAgain) {
        this.tickAgain = false;
        void this.tick();
      }
    });
    return this.ticking;
  }

  /** A tick now, or right after the one running (which may have read the mailboxes before the change). */
  private tickSoon(): void {
    if (this.ticking) this.tickAgain = true;
    else void this.tick();
  }

  private async runTick(): Promise<void> {
    try {
      await this.served.syncState();
      await this.maintainLeases();
      if (this.stopping) return;
      this.disabled = new Set(await this.states.disabledOf(this.leases.replicaId));
      const healthy = this.leases.ids().filter((id) => !this.failing.has(id) && !this.disabled.has(id));
      this.watchers.sync(healthy.flatMap((id) => this.served.get(id) ?? []), (id) => this.wake(id));
      for (const id of [...this.woken]) {
        if (!this.leases.owns(id) || this.start(id, 'idle')) this.woken.delete(id);
      }
      const due = await this.states.due(this.leases.replicaId, this.received.tableName);
      this.queued.clear();
      for (const id of due) {
        if (this.stopping) break;
        if (!this.start(id, 'schedule') && !this.running.has(id)) this.queued.add(id);
      }
      this.health.ticked(this.running.size);
    } catch (err) {
      this.health.failed(errorMessage(err));
      this.log.warn(`poll loop tick failed: ${errorMessage(err)}`)
    }
  }

  private async maintainLeases(): Promise<void> {
    try {
      const round = await this.leases.maintain(this.served.ids(), (id) => this.running.has(id))
      for (const id of round.lost) {
        this.log.warn(`mailbox ${id}: lease lost to another replica; its poll (if any) is stopped`);
        this.running.get(id)?.abort.abort();
      }
      if (round.acquired.length || round.released.length) {
        this.log.log(`serving ${this.leases.ids().length} mailbox(es) of ${this.served.ids().length} with ${this.leases.live} live replica(s)` +
          `${round.acquired.length ? `; took ${round.acquired.join(', ')}` : ''}${round.released.length ? `; gave back ${round.released.join(', ')}` : ''}`);
      }
    } catch (err) {
      if (this.leases.untrusted()) {
        const held = this.leases.dropAll();
        this.log.error(`leases could not be renewed in time (${errorMessage(err)}): stopped serving ${held.length} mailbox(es)`);
        for (const poll of this.running.values()) poll.abort.abort();
        this.watchers.sync([], () => undefined);
      }
      throw err;
    }
  }

  /** IDLE announced new mail: poll now, or right after the poll in progress. */
  wake(id: string): void {
    if (this.stopping || !this.leases.owns(id)) return;
    if (!this.start(id, 'idle')) this.woken.add(id);
  }

  /** Starts a poll unless one runs or no slot is free; synchronous, so two callers never start the same mailbox twice. */
  private start(id: string, trigger: PollTrigger): boolean {
    if (this.stopping || this.running.has(id) || !this.leases.owns(id) || this.disabled.has(id)) return false;
    const served = this.served.get(id);
    if (!served) return false;
    const key = serverKey(served.endpoint);
    if (!this.slots.tryAcquire(key, served.endpoint.maxConnections)) return false;
    this.queued.delete(id);
    const abort = new AbortController();
    const done = this.poll(id, trigger, abort.signal).finally(() => {
      this.slots.release(key);
      this.running.delete(id);
      this.startNext(key);
    });
    this.running.set(id, { done, abort });
    return true;
  }

  /**
   * A slot of `key` came free. A mailbox of that server that IDLE woke takes it first (new mail
   * is known to be waiting; left for the next tick it would wait up to POLL_TICK_MS), in the
   * order they were woken; otherwise the next one that was due at the last tick.
   */
  private startNext(key: string): void {
    if (!this.startFirstOf(this.woken, key, 'idle', true)) this.startFirstOf(this.queued, key, 'schedule', false);
  }

  /**
   * Starts the first mailbox of `waiting` on server `key` that can start now; drops from it the
   * ones this replica no longer serves (and the one started when `dropStarted`). True when one started.
   */
  private startFirstOf(waiting: Set<string>, key: string, trigger: PollTrigger, dropStarted: boolean): boolean {
    for (const id of waiting) {
      if (this.stopping) return false;
      const served = this.served.get(id);
      if (!served || !this.leases.owns(id)) {
        waiting.delete(id);
        continue;
      }
      if (serverKey(served.endpoint) !== key || this.running.has(id)) continue;
      if (this.start(id, trigger)) {
        if (dropStarted) waiting.delete(id);
        return true;
      }
    }
    return false;
  }

  private async poll(id: string, trigger: PollTrigger, signal: AbortSignal): Promise<void> {
    const served = this.served.get(id);
    let span: string | undefined;
    let outcome: PollOutcome = 'failure';
    try {
      const state = await this.states.startPoll(id);
      if (!served || !state) return;
      if (this.settings.pollSpanRetentionMinutes > 0) span = await this.spans.begin(id, this.settings.replicaId, trigger);
      // One trace per poll: the messages it publishes continue it in crm-sync (NATS headers).
      const result = await inSpan('mailbox poll', { 'mailrouter.mailbox.id': id, 'mailrouter.poll.trigger': trigger, 'mailrouter.protocol': served.endpoint.protocol },
        async (s) => {
          const r = await this.pollMailbox.execute(served, state, signal);
          if (r) s.setAttributes({ 'mailrouter.poll.published': r.published, 'mailrouter.poll.settled': r.settled });
          return r;
        });
      outcome = signal.aborted ? 'aborted' : result ? 'success' : 'failure';
      if (result?.published) this.watchers.noteMail(id);
      if (outcome === 'failure') {
        this.failing.add(id);
        // Disabled by this very poll: stop IDLE and polls now rather than at the next tick.
        if ((await this.states.get(id))?.disabledAt) this.disabled.add(id);
      }
      else if (outcome === 'success') this.failing.delete(id);
    } catch (err) {
      this.log.warn(`mailbox ${id}: poll could not run: ${errorMessage(err)}`);
    } finally {
      if (span) await this.spans.end(span, outcome).catch((err) => this.log.warn(`mailbox ${id}: poll span not closed: ${errorMessage(err)}`));
    }
  }

  /** SIGTERM: no new polls, IDLE logged out, polls in progress finished, then every lease given back at once. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.health.stop();
    if (this.timer) clearInterval(this.timer);
    await this.ticking;
    await this.watchers.stopAll();
    await Promise.allSettled([...this.running.values()].map((r) => r.done));
    await this.leases.leave().catch((err) => this.log.warn(`could not give the mailboxes back (they free up in ${this.settings.pollLeaseSeconds} s): ${errorMessage(err)}`));
    this.log.log(`replica ${this.settings.replicaId} stopped; its mailboxes are free for the other replicas`);
  }
}
