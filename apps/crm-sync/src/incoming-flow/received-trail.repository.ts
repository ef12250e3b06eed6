import { Injectable } from '@nestjs/common';
import { MailVerdictV1 } from '@mailrouter/contracts';
import type { CorrelationRule, MailInspection, RecordRef, ResolvedParty } from '@mailrouter/domain';
import { TransactionScope } from '../transaction-scope.repository';
import { ReceivedMailEntity } from '../builtin-crm/entities/trail.entity';

export interface TrailFacts {
  messageId?: string;
  subject?: string;
  fromAddress?: string;
  owner?: RecordRef;
  correlationRule?: CorrelationRule;
  parties?: ResolvedParty[];
  authentication?: MailInspection['authentication'];
  automatic?: MailInspection['automatic'];
}

/** The trail: one row per received message saying why it was (not) tracked. */
@Injectable()
export class ReceivedTrailRepository {
  constructor(private readonly scope: TransactionScope) {}

  find(receivedId: string): Promise<ReceivedMailEntity | null> {
    return this.scope.manager().findOne(ReceivedMailEntity, { where: { receivedId } });
  }

  /** Inserts the row (a second row for the same receivedId is a unique violation). */
  async record(verdict: MailVerdictV1, facts: TrailFacts): Promise<void> {
    await this.scope.manager().insert(ReceivedMailEntity, {
      receivedId: verdict.receivedId,
      mailboxId: verdict.mailboxId,
      messageId: facts.messageId ?? null,
      subject: facts.subject ?? null,
      fromAddress: facts.fromAddress ?? null,
      outcome: verdict.outcome,
      reason: verdict.reason,
      reasonText: verdict.reasonText,
      activityId: verdict.activityId ?? null,
      decidedAt: new Date(verdict.decidedAt),
      ownerType: facts.owner?.type ?? null,
      ownerId: facts.owner?.id ?? null,
      correlationRule: facts.correlationRule ?? null,
      parties: facts.parties ?? null,
      authentication: facts.authentication ?? null,
      automaticKind: facts.automatic?.kind ?? null,
      automaticReason: facts.automatic?.reason ?? null,
    });
  }

  list(filter: { mailboxId?: string; messageId?: string; limit: number }): Promise<ReceivedMailEntity[]> {
    const qb = this.scope.manager().createQueryBuilder(ReceivedMailEntity, 'r');
    if (filter.mailboxId) qb.andWhere('r.mailbox_id = :mailboxId', { mailboxId: filter.mailboxId });
    if (filter.messageId) qb.andWhere('r.message_id = :messageId', { messageId: filter.messageId });
    return qb.orderBy('r.decided_at', 'DESC').take(filter.limit).getMany();
  }
}

export function verdictOf(row: ReceivedMailEntity): MailVerdictV1 {
  return {
    receivedId: row.receivedId,
    mailboxId: row.mailboxId,
    outcome: row.outcome as MailVerdictV1['outcome'],
    reason: row.reason as MailVerdictV1['reason'],
    reasonText: row.reasonText,
    ...(row.activityId ? { activityId: row.activityId } : {}),
    decidedAt: row.decidedAt.toISOString(),
  };
}
