import { Inject, Injectable, Logger } from '@nestjs/common';
import { backoffDelay } from '@mailrouter/domain';
import { IdleNotSupportedError, IdleWatch, serverKey, serverMessage } from '@mailrouter/mail-adapters';
import { MailServerRepository } from './mail-server.repository';
import type { ServedMailbox } from './served-mailboxes.service';
import { ServerSlots } from './server-slots';
import { INCOMING_SETTINGS, IncomingSettings } from './settings';

/** How many of a server's `maxConnections` IDLE may hold: the configured share, always leaving one for polls. */
export function idleBudget(maxConnections: number, percent: number): number {
  return Math.max(0, Math.min(Math.floor((maxConnections * percent) / 100), maxConnections - 1));
}

/** A watch that lasted this long counts as healthy: its next drop starts the backoff afresh. */
const HEALTHY_WATCH_MS = 60_000;

interface Watcher {
  key: string;
  endpoint: string;
  openedAt?: number;
  watch?: IdleWatch;
  stopping: boolean;
  /** Stopped to hand its slot to a mailbox where mail arrives. */
  handingOver?: boolean;
  /** Settles when the connection is gone (or was never made) and its slots are free. */
  done: Promise<void>;
}

/**
 * IMAP IDLE for the mailboxes this replica holds, within each server's IDLE budget; the
 * others are polled only. IDLE does not read mail: it wakes the mailbox's poll. A dropped
 * connection is re-opened with backoff (and the mailbox polled, in case mail came meanwhile).
 * IDLE goes where mail arrives: when a server's budget is full and a polled mailbox of it finds
 * mail, the watch that has seen no mail for longest (at least IDLE_HANDOVER_SECONDS) is ended and
 * its slot goes to that mailbox; mailboxes that had mail take free slots first.
 */
@Injectable()
export class IdleWatchers {
  private readonly log = new Logger(IdleWatchers.name);
  private readonly watchers = new Map<string, Watcher>();
  private readonly retries = new Map<string, { endpoint: string; failures: number; retryAt: number }>();
  private readonly unsupported = new Map<string, string>();
  private readonly idleSlots = new ServerSlots();
  private readonly openings = new Map<string, number>();
  /** When a poll of the mailbox last found new mail. */
  private readonly lastMail = new Map<string, number>();
  /** Per server: watches ended to hand their slot over, not yet closed. */
  private readonly handingOver = new Map<string, number>();

  constructor(
    @Inject(INCOMING_SETTINGS) private readonly settings: IncomingSettings,
    private readonly servers: MailServerRepository,
    private readonly slots: ServerSlots,
  ) {}

  /** Mailboxes with a live IDLE connection. */
  idling(): string[] {
    return [...this.watchers.entries()].filter(([, w]) => w.watch).map(([id]) => id);
  }

  /** How many IDLE connections were opened for the mailbox since this replica started. */
  opened(id: string): number {
    return this.openings.get(id) ?? 0;
  }

  /** A poll of the mailbox found new mail: it is where IDLE pays (see the class). */
  noteMail(id: string): void {
    this.lastMail.set(id, Date.now());
  }

  /** Holds IDLE for `held` IMAP mailboxes (as the budget allows) and stops every other watch. */
  sync(held: ServedMailbox[], wake: (mailboxId: string) => void): void {
    const wanted = new Map(
      this.settings.idle.enabled ? held.filter((s) => s.endpoint.protocol === 'imap').map((s) => [s.mailbox.id, s]) : [],
    );
    for (const [id, w] of this.watchers) {
      const s = wanted.get(id);
      if (!s || JSON.stringify(s.endpoint) !== w.endpoint) this.stop(id);
    }
    for (const id of this.lastMail.keys()) if (!wanted.has(id)) this.lastMail.delete(id);
    // Mailboxes that had mail first (newest first), then the others in their order.
    const hadMail = [...this.lastMail.entries()].sort((a, b) => b[1] - a[1]).map(([id]) => [id, wanted.get(id)!] as const);
    const order = hadMail.length ? [...hadMail, ...[...wanted].filter(([id]) => !this.lastMail.has(id))] : wanted;
    for (const [id, s] of order) {
      if (this.watchers.has(id)) continue;
      const endpoint = JSON.stringify(s.endpoint);
      if (this.unsupported.get(id) === endpoint) continue;
      const retry = this.retries.get(id);
      if (retry && retry.endpoint === endpoint && Date.now() < retry.retryAt) continue;
      const key = serverKey(s.endpoint);
      const budget = idleBudget(s.endpoint.maxConnections, this.settings.idle.connectionPercent);
      if (!this.idleSlots.tryAcquire(key, budget)) {
        this.handOver(key, id);
        continue;
      }
      if (!this.slots.tryAcquire(key, s.endpoint.maxConnections)) {
        this.idleSlots.release(key);
        continue;
      }
      this.open(s, endpoint, key, wake);
    }
  }

  private open(s: ServedMailbox, endpoint: string, key: string, wake: (mailboxId: string) => void): void {
    const id = s.mailbox.id;
    let done!: () => void;
    const w: Watcher = { key, endpoint, stopping: false, done: new Promise<void>((r) => (done = r)) };
    this.watchers.set(id, w);
    const free = () => {
      this.slots.release(key);
      this.idleSlots.release(key);
      if (w.handingOver) this.handingOver.set(key, (this.handingOver.get(key) ?? 1) - 1);
      if (this.watchers.get(id) === w) this.watchers.delete(id);
      done();
    };
    this.servers.watch(s.endpoint, () => wake(id)).then(
      (watch) => {
        w.watch = watch;
        w.openedAt = Date.now();
        this.openings.set(id, this.opened(id) + 1);
        if (w.stopping) void watch.stop();
        else wake(id); // mail that came while nobody was watching
        void watch.ended.then((reason) => {
          free();
          if (w.stopping) return;
          const healthy = Date.now() - (w.openedAt ?? 0) >= HEALTHY_WATCH_MS;
          const delay = this.backoff(id, endpoint, healthy);
          this.log.warn(`mailbox ${id}: IDLE connection dropped (${reason}); re-opening in ${delay} ms`);
          wake(id);
        });
      },
      (err: unknown) => {
        free();
        if (err instanceof IdleNotSupportedError) {
          this.unsupported.set(id, endpoint);
          this.log.log(`mailbox ${id}: ${err.message}; polled every ${s.mailbox.pollIntervalSeconds} s`);
          return;
        }
        const delay = this.backoff(id, endpoint, false);
        if (!w.stopping) this.log.warn(`mailbox ${id}: IDLE connection failed (${serverMessage(err)}); retrying in ${delay} ms`);
      },
    );
  }

  /**
   * Server `key`'s IDLE budget is full and `id` waits: when a poll of `id` found mail more
   * recently than the coldest watch of that server saw any (or opened), and that watch has seen
   * none for IDLE_HANDOVER_SECONDS, it is ended. Its slot goes to the mailbox with the newest
   * mail at a later sync, once the connection is closed (one hand-over per server at a time).
   */
  private handOver(key: string, id: string): void {
    const after = this.settings.idle.handoverMs;
    const mail = this.lastMail.get(id);
    if (!after || mail === undefined || (this.handingOver.get(key) ?? 0) > 0) return;
    let coldest: { id: string; w: Watcher; warm: number } | undefined;
    for (const [wid, w] of this.watchers) {
      if (w.key !== key || !w.watch || w.stopping) continue;
      const warm = Math.max(this.lastMail.get(wid) ?? 0, w.openedAt ?? 0);
      if (!coldest || warm < coldest.warm) coldest = { id: wid, w, warm };
    }
    if (!coldest || mail <= coldest.warm || Date.now() - coldest.warm < after) return;
    this.log.log(`mailbox ${coldest.id}: IDLE handed over to mailbox ${id}, which has mail (none here for ${Math.round((Date.now() - coldest.warm) / 1000)} s); polled at its interval from now`);
    coldest.w.handingOver = true;
    this.handingOver.set(key, (this.handingOver.get(key) ?? 0) + 1);
    this.stop(coldest.id);
  }

  private backoff(id: string, endpoint: string, healthy: boolean): number {
    const before = this.retries.get(id);
    const failures = healthy || before?.endpoint !== endpoint ? 1 : before.failures + 1;
    const delay = backoffDelay(this.settings.idle.reconnect, failures);
    this.retries.set(id, { endpoint, failures, retryAt: Date.now() + delay });
    return delay;
  }

  private stop(id: string): void {
    const w = this.watchers.get(id);
    if (!w) return;
    w.stopping = true;
    this.watchers.delete(id);
    if (w.watch) void w.watch.stop();
  }

  /** Shutdown: every IDLE connection logged out. */
  async stopAll(): Promise<void> {
    const all = [...this.watchers.values()];
    for (const id of [...this.watchers.keys()]) this.stop(id);
    await Promise.allSettled(all.map((w) => w.done));
  }
}
