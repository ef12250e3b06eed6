import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { PublishedConfigV1 } from '@mailrouter/contracts';
import { OUTGOING_PROTOCOLS } from '@mailrouter/domain';
import { ConfigStore } from '@mailrouter/messaging';
import { openEndpoint, type ServerConnection } from '@mailrouter/mail-adapters';
import { errorMessage } from '@mailrouter/platform';
import { OUTGOING_SETTINGS, type OutgoingSettings } from '../settings';

/** A mailbox's outgoing server, password opened; or why it cannot be used (yet). */
export type OutgoingRoute = { ok: true; conn: ServerConnection } | { ok: false; problem: string };

type ConfigListener = (routes: ServerConnection[]) => void;

/**
 * The published configuration as outgoing needs it: mailbox id → its outgoing endpoint.
 * Follows the configuration bucket and switches without a restart.
 */
@Injectable()
export class MailboxDirectoryRepository implements OnModuleInit {
  private readonly log = new Logger(MailboxDirectoryRepository.name);
  private routes = new Map<string, OutgoingRoute>();
  private version?: number;
  private readonly listeners: ConfigListener[] = [];

  constructor(
    private readonly configStore: ConfigStore,
    @Inject(OUTGOING_SETTINGS) private readonly settings: OutgoingSettings,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.configStore.watch((cfg) => this.apply(cfg));
  }

  /** Called with the usable connections of every new configuration version. */
  onChange(listener: ConfigListener): void {
    this.listeners.push(listener);
  }

  async resolve(mailboxId: string): Promise<OutgoingRoute> {
    if (this.version === undefined) {
      // The watcher may not have delivered yet: read the current version directly once.
      const cfg = await this.configStore.read().catch(() => undefined);
      if (cfg) this.apply(cfg);
    }
    if (this.version === undefined) return { ok: false, problem: 'no configuration has been published yet' };
    return this.routes.get(mailboxId) ?? {
      ok: false,
      problem: `mailbox ${mailboxId} is not in the published configuration (version ${this.version})`,
    };
  }

  private apply(cfg: PublishedConfigV1): void {
    if (this.version !== undefined && cfg.version < this.version) return;
    const routes = new Map<string, OutgoingRoute>();
    for (const mb of cfg.mailboxes) routes.set(mb.id, this.route(mb, cfg.version));
    this.routes = routes;
    this.version = cfg.version;
    const conns = [...routes.values()].flatMap((r) => (r.ok ? [r.conn] : []));
    for (const l of this.listeners) l(conns);
  }

  private route(mb: PublishedConfigV1['mailboxes'][number], version: number): OutgoingRoute {
    const where = `mailbox ${mb.address} (${mb.id}, configuration version ${version})`;
    if (!mb.enabled) return { ok: false, problem: `${where} is disabled` };
    if (!mb.outgoing) return { ok: false, problem: `${where} has no outgoing profile` };
    if (!(OUTGOING_PROTOCOLS as readonly string[]).includes(mb.outgoing.protocol)) {
      return { ok: false, problem: `${where}: ${mb.outgoing.protocol} is not an outgoing protocol (smtp, ews or graph)` };
    }
    try {
      return { ok: true, conn: openEndpoint(mb.outgoing, this.settings.secretKey) };
    } catch (err) {
      this.log.error(`${where}: cannot open the outgoing password: ${errorMessage(err)}`);
      return { ok: false, problem: `${where}: cannot open the outgoing password (is ROUTER_SECRET_KEY the key config sealed it with?)` };
    }
  }
}
