import { DisabledMailboxesGauge } from './disabled-mailboxes.gauge';
import { EnableMailboxUseCase } from './enable-mailbox.usecase';
import { MailboxHealthUseCase } from './mailbox-health.usecase';

/** Mailbox health and re-enabling (incoming.nats-controller.ts answers them) and the disabled-mailbox gauge. */
export const MAILBOX_HEALTH_PROVIDERS = [MailboxHealthUseCase, EnableMailboxUseCase, DisabledMailboxesGauge];
