import { Injectable, Logger } from '@nestjs/common';
import type { MailboxRefV1, QuarantineAttachReplyV1, QuarantineAttachRequestV1 } from '@mailrouter/contracts';
import { ConfigStore, RpcClient } from '@mailrouter/messaging';
import { MailboxStateRepository } from './mailbox-state.repository';
import { QuarantineActionsRepository } from './quarantine-actions.repository';
import { ServedMailboxes } from './served-mailboxes.service';

/** How long incoming waits for crm-sync to deliver the attached message (parse, store, attachments). */
export const ATTACH_CRM_TIMEOUT_MS = 20_000;

/**
 * Attach by hand: a quarantined message, stored by incoming, is delivered by crm-sync as an
 * activity regarding the record an administrator chose; the quarantined row is then settled as
 * tracked "attached by hand by <principal> to <type> <id>", and the mailbox's next poll settles
 * it on the server like tracked mail. Asking again answers the same activity (crm-sync is
 * idempotent by receivedId and Message-ID).
 */
@Injectable()
export class AttachUseCase {
  private readonly log = new Logger(AttachUseCase.name);

  constructor(
    private readonly quarantine: QuarantineActionsRepository,
    private readonly states: MailboxStateRepository,
    private readonly served: ServedMailboxes,
    private readonly configs: ConfigStore,
    private readonly rpc: RpcClient,
  ) {}

  async attach(req: QuarantineAttachRequestV1): Promise<QuarantineAttachReplyV1> {
    const { receivedId } = req;
    const row = await this.quarantine.find(receivedId);
    if (!row) return { receivedId, status: 'not-found', message: `no received message ${receivedId}` };
    const again = await this.quarantine.wasAttached(receivedId);
    if (!again && row.outcome !== 'quarantined') {
      const what = row.outcome ? `its outcome is ${row.outcome}` : 'it has no verdict yet';
      return { receivedId, status: 'not-quarantined', message: `${receivedId} is not quarantined: ${what}` };
    }
    if (!again && (await this.quarantine.actionOf(receivedId))) {
      return { receivedId, status: 'not-quarantined', message: `${receivedId} was re-processed or discarded already` };
    }
    if (!row.rawKey) {
      return { receivedId, status: 'not-reprocessable', message: `${receivedId} was never fetched (${row.reasonText ?? row.reason ?? 'no raw message'}); nothing to attach` };
    }
    const mailbox = await this.mailboxOf(row.mailboxId);
    if (!mailbox) {
      return { receivedId, status: 'not-found', message: `mailbox ${row.mailboxId} of ${receivedId} is not in the published configuration` };
    }
    const crm = await this.rpc.request('crmAttach', {
      receivedId, mailbox: mailbox.ref, deploymentId: mailbox.deploymentId, rawKey: row.rawKey, regarding: req.regarding,
      ...(req.ownerId ? { ownerId: req.ownerId } : {}), principal: req.principal,
    }, ATTACH_CRM_TIMEOUT_MS);
    if (crm.status !== 'attached') return { receivedId, status: crm.status, message: crm.message };
    if (!crm.activityId) throw new Error(`crm-sync attached ${receivedId} without naming the activity: ${crm.message}`);
    const words = crm.reasonText ?? `attached by hand by ${req.principal} to ${req.regarding.type} ${req.regarding.id}`;
    if (!again && (await this.quarantine.settleAttached(receivedId, crm.activityId, words))) {
      await this.states.ensure([], [row.mailboxId]); // settle it on the server now, as tracked mail
      this.log.log(`${receivedId} ${words} (activity ${crm.activityId})`);
    }
    return {
      receivedId, status: 'attached', activityId: crm.activityId, existed: again || !!crm.existed, regarding: req.regarding,
      ...(crm.owner ? { owner: crm.owner } : {}), message: crm.message,
    };
  }

  /** The mailbox as served, else as published (a mailbox disabled since can still have its quarantine attached). */
  private async mailboxOf(mailboxId: string): Promise<{ ref: MailboxRefV1; deploymentId: string } | undefined> {
    const m = this.served.get(mailboxId)?.mailbox ?? (this.configs.current() ?? (await this.configs.read()))?.mailboxes.find((x) => x.id === mailboxId);
    if (!m) return undefined;
    return { ref: { id: m.id, kind: m.kind, address: m.address, ...(m.crmId ? { crmId: m.crmId } : {}) }, deploymentId: m.deploymentId };
  }
}
