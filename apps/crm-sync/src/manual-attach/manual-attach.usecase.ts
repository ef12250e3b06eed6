import { Inject, Injectable, Logger } from '@nestjs/common';
import type { CrmAttachReplyV1, CrmAttachRequestV1 } from '@mailrouter/contracts';
import type { CheckIncomingResult, IncomingEmail, ParsedEmail, RecordRef } from '@mailrouter/domain';
import { RawMailStore } from '@mailrouter/messaging';
import { BuiltinCrmConnector } from '../builtin-crm/builtin-crm.connector';
import { RecordsRepository } from '../builtin-crm/records.repository';
import type { CrmQueueEntity, CrmUserEntity } from '../builtin-crm/entities/crm-records.entity';
import { CrmConnectors } from '../connectors/crm-connectors.registry';
import { TransactionScope } from '../transaction-scope.repository';
import { MailInspector } from '../incoming-flow/mail-inspector';
import { parseMailDetailed, UnparseableMailError } from '../incoming-flow/parse-mail';
import { CRM_SETTINGS, CrmSettings } from '../settings';
import { ManualAttachRepository } from './manual-attach.repository';

type Owner = { type: 'user' | 'queue'; record: CrmUserEntity | CrmQueueEntity };

/** The sentence the trail, the trace and the console show for a message attached by hand. */
export function attachedWords(principal: string, regarding: RecordRef): string {
  return `attached by hand by ${principal} to ${regarding.type} ${regarding.id}`;
}

/**
 * Attach by hand (the original admins' "attach to a chosen CRM record"): a stored received
 * message becomes an email activity of the mailbox's owner (or the chosen owner) regarding the
 * record the administrator chose, through the deployment's connector's DeliverIncoming and
 * without its tracking decision. Idempotent: the owner's activity for the receivedId or for the
 * Message-ID is answered instead of a second one.
 */
@Injectable()
export class ManualAttachUseCase {
  private readonly log = new Logger(ManualAttachUseCase.name);

  constructor(
    private readonly connectors: CrmConnectors,
    private readonly builtin: BuiltinCrmConnector,
    private readonly records: RecordsRepository,
    private readonly attached: ManualAttachRepository,
    private readonly scope: TransactionScope,
    private readonly raws: RawMailStore,
    private readonly inspector: MailInspector,
    @Inject(CRM_SETTINGS) private readonly settings: CrmSettings,
  ) {}

  async attach(req: CrmAttachRequestV1): Promise<CrmAttachReplyV1> {
    const connector = await this.connectors.forDeployment(req.deploymentId);
    if (connector !== this.builtin) {
      // The Dataverse port's DeliverIncomingEmail takes no regarding record: setting it is the CRM's own action.
      return {
        status: 'not-supported',
        message: `deployment ${req.deploymentId} uses Dynamics 365 / Dataverse: attaching to a chosen record is done in the CRM itself (the router's DeliverIncomingEmail cannot set the regarding record); re-process the message instead`,
      };
    }
    const { regarding } = req;
    if (!(await this.records.find(regarding.type, regarding.id))) {
      return { status: 'record-not-found', message: `no ${regarding.type} ${regarding.id} in the built-in CRM` };
    }
    const raw = await this.raws.get(req.rawKey);
    if (!raw) return { status: 'unparseable', message: `the raw message ${req.rawKey} of ${req.receivedId} is no longer in the raw-mail store` };
    let detailed: Awaited<ReturnType<typeof parseMailDetailed>>;
    try {
      // The same limits as tracking: an operator attaching a message by hand does not lift them.
      detailed = await parseMailDetailed(raw, this.settings.mimeLimits);
    } catch (err) {
      if (!(err instanceof UnparseableMailError)) throw err;
      return { status: 'unparseable', message: `${req.receivedId} cannot be attached: ${err.message}` };
    }
    const { email, inspection } = await this.inspector.inspect(raw, detailed.parsed, detailed.email);
    const owner = await this.ownerOf(req, email);
    if (!owner) {
      const which = req.ownerId ? `no user or queue ${req.ownerId}` : `no user or queue owns mailbox ${req.mailbox.address} (${req.mailbox.kind})`;
      return { status: 'owner-not-found', message: `${which} in the built-in CRM; name the owner (ownerId)` };
    }
    return this.scope.run(() => this.deliver(req, owner, email, inspection));
  }

  private async deliver(req: CrmAttachRequestV1, owner: Owner, email: ParsedEmail, inspection: IncomingEmail['inspection']): Promise<CrmAttachReplyV1> {
    const ownerRef: RecordRef = { type: owner.type, id: owner.record.id };
    const reasonText = attachedWords(req.principal, req.regarding);
    await this.attached.lock(req.mailbox.id, email.from?.address);
    const trailFacts = { receivedId: req.receivedId, mailboxId: req.mailbox.id, messageId: email.messageId, subject: email.subject, fromAddress: email.from?.address, owner: ownerRef };
    const before = await this.attached.existing(ownerRef, req.receivedId, email.messageId);
    if (before) {
      const trail = await this.attached.trail(req.receivedId);
      if (trail?.outcome !== 'tracked') await this.attached.recordAttached({ ...trailFacts, activityId: before.id, reasonText });
      const where = before.regardingType ? `regarding ${before.regardingType} ${before.regardingId}` : 'regarding nothing';
      return {
        status: 'attached', activityId: before.id, existed: true, owner: ownerRef, reasonText: trail?.outcome === 'tracked' ? trail.reasonText : reasonText,
        message: `${req.receivedId} is already tracked as activity ${before.id} of ${owner.type} ${owner.record.email} (${where}); no second activity`,
      };
    }
    const incoming: IncomingEmail = {
      receivedId: req.receivedId, deploymentId: req.deploymentId, email, inspection,
      // The chosen owner stands in for the mailbox: DeliverIncoming files the activity under it.
      mailbox: { id: req.mailbox.id, kind: owner.type, address: owner.record.email, crmId: owner.record.id },
    };
    const check: CheckIncomingResult = { shouldDeliver: true, reason: 'accept-all', reasonText, regarding: req.regarding, owner: ownerRef, correlationRule: 'none' };
    const delivered = await this.builtin.deliverIncoming(incoming, check);
    await this.attached.recordAttached({ ...trailFacts, activityId: delivered.activityId, reasonText });
    this.log.log(`${req.receivedId} ${reasonText} as activity ${delivered.activityId} of ${owner.type} ${owner.record.email}`);
    return {
      status: 'attached', activityId: delivered.activityId, existed: delivered.existed, owner: ownerRef, reasonText,
      message: `${req.receivedId} ${reasonText}: activity ${delivered.activityId} of ${owner.type} ${owner.record.email}`,
    };
  }

  /** ownerId (a user, else a queue); else the mailbox's user or queue; a forward mailbox's: the user who forwarded it. */
  private async ownerOf(req: CrmAttachRequestV1, email: ParsedEmail): Promise<Owner | undefined> {
    if (req.ownerId) return this.byId(req.ownerId, ['user', 'queue']);
    const m = req.mailbox;
    if (m.kind !== 'forward') {
      const byId = m.crmId ? await this.byId(m.crmId, [m.kind]) : undefined;
      return byId ?? this.byAddress(m.address, [m.kind]);
    }
    return email.from ? this.byAddress(email.from.address, ['user', 'queue']) : undefined;
  }

  private async byId(id: string, types: ('user' | 'queue')[]): Promise<Owner | undefined> {
    for (const type of types) {
      const record = await this.records.find(type, id);
      if (record) return { type, record: record as CrmUserEntity | CrmQueueEntity };
    }
    return undefined;
  }

  private async byAddress(address: string, types: ('user' | 'queue')[]): Promise<Owner | undefined> {
    for (const type of types) {
      const record = await this.records.findOwnerByAddress(type, address.trim().toLowerCase());
      if (record) return { type, record };
    }
    return undefined;
  }
}
