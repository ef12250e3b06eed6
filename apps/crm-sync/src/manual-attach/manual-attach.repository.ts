import { Injectable } from '@nestjs/common';
import type { RecordRef } from '@mailrouter/domain';
import { TransactionScope } from '../transaction-scope.repository';
import { EmailEntity } from '../builtin-crm/entities/email.entity';
import { ReceivedMailEntity } from '../builtin-crm/entities/trail.entity';

/** What the trail keeps of a message attached by hand. */
export interface AttachedTrail {
  receivedId: string;
  mailboxId: string;
  messageId?: string;
  subject?: string;
  fromAddress?: string;
  owner: RecordRef;
  activityId: string;
  reasonText: string;
}

/**
 * The built-in CRM's side of attach-by-hand: the owner's activity already made for this message
 * (by receivedId, else by Message-ID), a per-message lock, and the trail row saying who attached it.
 */
@Injectable()
export class ManualAttachRepository {
  constructor(private readonly scope: TransactionScope) {}

  /** Serialises with the incoming flow's decisions for the same mailbox and sender (same lock key). */
  async lock(mailboxId: string, sender: string | undefined): Promise<void> {
    await this.scope.manager().query('SELECT pg_advisory_xact_lock(hashtext($1))', [`${mailboxId}|${sender ?? ''}`]);
  }

  /** The owner's incoming activity for this received message, else for its Message-ID. */
  async existing(owner: RecordRef, receivedId: string, messageId: string | undefined): Promise<EmailEntity | null> {
    const m = this.scope.manager();
    const byReceived = await m.findOne(EmailEntity, { where: { ownerType: owner.type, ownerId: owner.id, receivedId } });
    if (byReceived || !messageId) return byReceived;
    return m.findOne(EmailEntity, { where: { ownerType: owner.type, ownerId: owner.id, messageId } });
  }

  trail(receivedId: string): Promise<ReceivedMailEntity | null> {
    return this.scope.manager().findOne(ReceivedMailEntity, { where: { receivedId } });
  }

  /**
   * The trail row becomes tracked, with the activity and who attached it. The quarantine's reason
   * code stays (it says why a hand was needed); a message with no row yet gets one (accept-all).
   */
  async recordAttached(t: AttachedTrail): Promise<void> {
    const m = this.scope.manager();
    const values = {
      outcome: 'tracked', activityId: t.activityId, reasonText: t.reasonText, ownerType: t.owner.type, ownerId: t.owner.id, decidedAt: new Date(),
    };
    const updated = await m.update(ReceivedMailEntity, { receivedId: t.receivedId }, values);
    if (updated.affected) return;
    await m.insert(ReceivedMailEntity, {
      ...values, receivedId: t.receivedId, mailboxId: t.mailboxId, reason: 'accept-all',
      messageId: t.messageId ?? null, subject: t.subject ?? null, fromAddress: t.fromAddress ?? null,
    });
  }
}
