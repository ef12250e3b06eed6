import { Inject, Injectable } from '@nestjs/common';
import type { MailboxHealthReplyV1, MailboxHealthRequestV1, MailboxHealthV1 } from '@mailrouter/contracts';
import type { MailboxStateEntity } from './entities/mailbox-state.entity';
import { MailboxStateRepository } from './mailbox-state.repository';
import { ReceivedMessageRepository } from './received-message.repository';
import { ServedMailboxes } from './served-mailboxes.service';
import { INCOMING_SETTINGS, IncomingSettings } from './settings';

/** A next poll later than the interval after the failure (plus this slack) is the failure backoff at work. */
const BACKOFF_SLACK_MS = 1000;

/**
 * What the health view shows of a mailbox, from its state row: disabled, ok, failing (retried at
 * its usual interval) or in backoff (the failure backoff spaces the polls out).
 */
export function healthState(state: MailboxStateEntity | undefined, pollIntervalSeconds: number): MailboxHealthV1['state'] {
  if (!state) return 'ok';
  if (state.disabledAt) return 'disabled';
  if (state.consecutiveFailures === 0) return 'ok';
  const failedAt = (state.lastFailureAt ?? state.updatedAt).getTime();
  return state.nextPollAt.getTime() - failedAt > pollIntervalSeconds * 1000 + BACKOFF_SLACK_MS ? 'backoff' : 'failing';
}

/** Every served mailbox's health in one answer (config's GET /api/v1/health): three queries whatever the count. */
@Injectable()
export class MailboxHealthUseCase {
  constructor(
    @Inject(INCOMING_SETTINGS) private readonly settings: IncomingSettings,
    private readonly served: ServedMailboxes,
    private readonly states: MailboxStateRepository,
    private readonly received: ReceivedMessageRepository,
  ) {}

  async execute(req: MailboxHealthRequestV1): Promise<MailboxHealthReplyV1> {
    const wanted = req.mailboxIds ? new Set(req.mailboxIds) : undefined;
    const served = this.served.ids().filter((id) => !wanted || wanted.has(id)).map((id) => this.served.get(id)!);
    const ids = served.map((s) => s.mailbox.id);
    const [states, backlogs] = await Promise.all([this.states.getMany(ids), this.states.backlogs(ids, this.received.tableName)]);
    const iso = (d: Date | null | undefined) => (d ? d.toISOString() : undefined);
    const mailboxes = served.map(({ mailbox: m, endpoint, configVersion }): MailboxHealthV1 => {
      const s = states.get(m.id);
      return {
        mailboxId: m.id, address: m.address, deploymentId: m.deploymentId, profileId: endpoint.profileId, configVersion,
        state: healthState(s, m.pollIntervalSeconds), pollIntervalSeconds: m.pollIntervalSeconds,
        lastPollAt: iso(s?.lastPollAt), nextPollAt: s?.disabledAt ? undefined : iso(s?.nextPollAt), lastSuccessAt: iso(s?.lastSuccessAt),
        lastFailureAt: iso(s?.lastFailureAt), consecutiveFailures: s?.consecutiveFailures ?? 0, lastError: s?.lastError ?? undefined,
        disabledAt: iso(s?.disabledAt), disabledReason: s?.disabledReason ?? undefined,
        backlog: backlogs.get(m.id) ?? { awaitingVerdict: 0, unpublished: 0 },
      };
    });
    return { configVersion: this.served.configVersion(), disableAfterFailures: this.settings.disableAfterFailures, mailboxes };
  }
}
