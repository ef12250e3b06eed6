import { Injectable, Logger } from '@nestjs/common';
import type { MailEndpointV1, PublishedConfigV1, PublishedMailboxV1 } from '@mailrouter/contracts';
import { INCOMING_PROTOCOLS, type IncomingProtocol } from '@mailrouter/domain';
import { ConfigStore } from '@mailrouter/messaging';
import { errorMessage } from '@mailrouter/platform';
import { MailboxStateRepository } from './mailbox-state.repository';

export interface ServedMailbox {
  mailbox: PublishedMailboxV1;
  endpoint: MailEndpointV1 & { protocol: IncomingProtocol };
  configVersion: number;
}

function served(m: PublishedMailboxV1): m is PublishedMailboxV1 & { incoming: MailEndpointV1 & { protocol: IncomingProtocol } } {
  return m.enabled && !!m.incoming && (INCOMING_PROTOCOLS as readonly string[]).includes(m.incoming.protocol);
}

/**
 * The mailboxes this service serves: every enabled mailbox of the published configuration
 * with an incoming endpoint. Follows new versions without a restart.
 */
@Injectable()
export class ServedMailboxes {
  private readonly log = new Logger(ServedMailboxes.name);
  private byId = new Map<string, ServedMailbox>();
  private version?: number;
  private pendingSync?: { ids: string[]; pollNow: string[] };
  private readonly appliedListeners: (() => void)[] = [];

  constructor(private readonly configs: ConfigStore, private readonly states: MailboxStateRepository) {}

  async start(): Promise<void> {
    await this.configs.watch((cfg) => this.apply(cfg));
  }

  /** `listener` runs after each version is applied (the scheduler then looks for due mailboxes at once). */
  onApplied(listener: () => void): void {
    this.appliedListeners.push(listener);
  }

  /** Switches to a configuration version; new or changed mailboxes are polled at once. */
  async apply(cfg: PublishedConfigV1): Promise<void> {
    const next = new Map<string, ServedMailbox>();
    for (const m of cfg.mailboxes) {
      if (served(m)) next.set(m.id, { mailbox: m, endpoint: m.incoming, configVersion: cfg.version });
    }
    const changed = [...next.values()]
      .filter((s) => JSON.stringify(this.byId.get(s.mailbox.id)?.mailbox) !== JSON.stringify(s.mailbox))
      .map((s) => s.mailbox.id);
    this.pendingSync = { ids: [...next.keys()], pollNow: [...new Set([...(this.pendingSync?.pollNow ?? []), ...changed])] };
    await this.syncState();
    const removed = [...this.byId.keys()].filter((id) => !next.has(id));
    this.byId = next;
    this.version = cfg.version;
    this.log.log(`serving ${next.size} mailbox(es) of configuration version ${cfg.version}` +
      `${changed.length ? `; new or changed: ${changed.join(', ')}` : ''}${removed.length ? `; stopped: ${removed.join(', ')}` : ''}`);
    for (const listener of this.appliedListeners) listener();
  }

  /** Creates the state rows of a new version (retried by the scheduler's tick until it works). */
  async syncState(): Promise<void> {
    const pending = this.pendingSync;
    if (!pending) return;
    try {
      await this.states.ensure(pending.ids, pending.pollNow);
      if (this.pendingSync === pending) this.pendingSync = undefined;
    } catch (err) {
      this.log.warn(`could not prepare the mailboxes' state (will retry): ${errorMessage(err)}`);
    }
  }

  /** True when every served mailbox has its state row. */
  get synced(): boolean {
    return !this.pendingSync;
  }

  ids(): string[] {
    return [...this.byId.keys()];
  }

  get(id: string): ServedMailbox | undefined {
    return this.byId.get(id);
  }

  configVersion(): number | undefined {
    return this.version;
  }
}
