import { Inject, Injectable, OnModuleInit, Optional } from '@nestjs/common';
import { RouterMetrics } from '@mailrouter/messaging';
import { MailboxStateRepository } from './mailbox-state.repository';
import { INCOMING_SETTINGS, IncomingSettings } from './settings';

export const DISABLED_MAILBOXES_METRIC = 'mailrouter_mailboxes_disabled';

/**
 * Feeds `mailrouter_mailboxes_disabled` (RouterMetrics): the disabled mailboxes among those this
 * replica holds the lease of, read at each scrape. Each mailbox is held by one replica, so `sum()`
 * over the replicas is the deployment's count (the alert in deploy/prometheus/alerts.yaml).
 */
@Injectable()
export class DisabledMailboxesGauge implements OnModuleInit {
  constructor(
    @Inject(INCOMING_SETTINGS) private readonly settings: IncomingSettings,
    private readonly states: MailboxStateRepository,
    @Optional() private readonly metrics?: RouterMetrics,
  ) {}

  onModuleInit(): void {
    const owner = this.settings.replicaId;
    this.metrics?.watchDisabledMailboxes(async () => (await this.states.disabledOf(owner)).length);
  }
}
