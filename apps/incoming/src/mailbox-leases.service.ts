import { Inject, Injectable } from '@nestjs/common';
import { MailboxLeaseRepository } from './mailbox-lease.repository';
import { PollSpanRepository } from './poll-span.repository';
import { INCOMING_SETTINGS, IncomingSettings } from './settings';

/** A lease is trusted locally for this share of its length after the renewal was sent. */
const LOCAL_TRUST_SHARE = 0.8;
/** Housekeeping (old heartbeat rows, old poll spans) runs this often. */
const HOUSEKEEPING_INTERVAL_MS = 60_000;
/** Heartbeat rows of replicas silent this long are deleted. */
const FORGET_REPLICA_AFTER_SECONDS = 3600;

export interface LeaseRound {
  /** Mailboxes this replica thought it held but another replica has taken (its lease had run out). */
  lost: string[];
  /** Mailboxes given back: surplus after a replica joined, or no longer served. */
  released: string[];
  acquired: string[];
}

/**
 * This replica's share of the mailboxes. Each round (every scheduler tick): heartbeat, renew
 * what it holds, give back what it no longer serves and its surplus over
 * ceil(served mailboxes / live replicas), take free mailboxes up to that share. A dead
 * replica's mailboxes are free once its leases run out (POLL_LEASE_SECONDS).
 */
@Injectable()
export class MailboxLeases {
  private owned = new Set<string>();
  private trustedUntil = 0;
  private lastHousekeeping = 0;
  private liveReplicas = 1;

  constructor(
    @Inject(INCOMING_SETTINGS) private readonly settings: IncomingSettings,
    private readonly leases: MailboxLeaseRepository,
    private readonly spans: PollSpanRepository,
  ) {}

  get replicaId(): string {
    return this.settings.replicaId;
  }

  /** True while this replica holds the mailbox's lease (and the lease was renewed recently enough to be sure). */
  owns(id: string): boolean {
    return this.owned.has(id) && Date.now() < this.trustedUntil;
  }

  ids(): string[] {
    return Date.now() < this.trustedUntil ? [...this.owned] : [];
  }

  get live(): number {
    return this.liveReplicas;
  }

  /** One round; `busy` mailboxes (a poll running) are never given back as surplus. */
  async maintain(served: string[], busy: (id: string) => boolean): Promise<LeaseRound> {
    const me = this.settings.replicaId;
    const leaseSeconds = this.settings.pollLeaseSeconds;
    const sentAt = Date.now();
    this.liveReplicas = await this.leases.heartbeat(me, this.settings.replicaTtlSeconds);
    const servedSet = new Set(served);
    const unserved = [...this.owned].filter((id) => !servedSet.has(id));
    await this.leases.releaseAllBut(me, served);
    const kept = new Set(await this.leases.renew(me, served, leaseSeconds));
    const lost = [...this.owned].filter((id) => servedSet.has(id) && !kept.has(id));
    const fair = Math.ceil(served.length / Math.max(1, this.liveReplicas));
    const released = [...unserved];
    let acquired: string[] = [];
    if (kept.size > fair) {
      const surplus = [...kept].filter((id) => !busy(id)).reverse().slice(0, kept.size - fair);
      await this.leases.release(me, surplus);
      for (const id of surplus) kept.delete(id);
      released.push(...surplus);
    } else if (kept.size < fair) {
      acquired = await this.leases.acquire(me, served.filter((id) => !kept.has(id)), fair - kept.size, leaseSeconds);
      for (const id of acquired) kept.add(id);
    }
    this.owned = kept;
    this.trustedUntil = sentAt + leaseSeconds * 1000 * LOCAL_TRUST_SHARE;
    await this.housekeeping();
    return { lost, released, acquired };
  }

  /** After failed rounds: true once the leases may have run out (another replica may hold them now). */
  untrusted(): boolean {
    return this.owned.size > 0 && Date.now() >= this.trustedUntil;
  }

  /** Forgets every lease locally (they can no longer be trusted); returns what was held. */
  dropAll(): string[] {
    const held = [...this.owned];
    this.owned.clear();
    return held;
  }

  /** Graceful shutdown: every lease given back at once, the heartbeat row removed. */
  async leave(): Promise<void> {
    this.dropAll();
    await this.leases.releaseAllBut(this.settings.replicaId, []);
    await this.leases.leaveReplicas(this.settings.replicaId);
  }

  private async housekeeping(): Promise<void> {
    if (Date.now() - this.lastHousekeeping < HOUSEKEEPING_INTERVAL_MS) return;
    this.lastHousekeeping = Date.now();
    await this.leases.forgetSilentReplicas(FORGET_REPLICA_AFTER_SECONDS);
    if (this.settings.pollSpanRetentionMinutes > 0) await this.spans.prune(this.settings.pollSpanRetentionMinutes);
  }
}
