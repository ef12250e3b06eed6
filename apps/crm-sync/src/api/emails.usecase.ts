import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { formatTrackingToken, normalizeAddress, normalizeMessageId } from '@mailrouter/domain';
import { badRequest } from '@mailrouter/platform';
import { BuiltinCrmConnector } from '../builtin-crm/builtin-crm.connector';
import { EmailsRepository } from '../builtin-crm/emails.repository';
import { RecordsRepository } from '../builtin-crm/records.repository';
import type { CrmQueueEntity, CrmUserEntity } from '../builtin-crm/entities/crm-records.entity';
import { DeploymentSettingsRepository, tokenSettings } from '../builtin-crm/deployment-settings.repository';
import { conversationSubject } from '../builtin-crm/correlation';
import { TransactionScope } from '../transaction-scope.repository';
import { ComposeBody, EmailQuery } from './api.schemas';
import { emailSummary, emailView } from './views';

/** Compose, send, list and read the built-in CRM's email activities. */
@Injectable()
export class EmailsUseCase {
  constructor(
    private readonly emails: EmailsRepository,
    private readonly records: RecordsRepository,
    private readonly crm: BuiltinCrmConnector,
    private readonly scope: TransactionScope,
    private readonly deployments: DeploymentSettingsRepository,
  ) {}

  async list(q: EmailQuery) {
    const rows = await this.emails.list({ ...q, messageId: q.messageId ? normalizeMessageId(q.messageId) : undefined });
    return rows.map(emailSummary);
  }

  async get(id: string) {
    const found = await this.emails.findDetailed(id);
    if (!found) throw new NotFoundException(`no email ${id}`);
    return emailView(found.email, found.parties, found.attachments);
  }

  async compose(body: ComposeBody) {
    const owner = await this.owner(body);
    if (body.regarding && !(await this.records.find(body.regarding.type, body.regarding.id))) {
      throw badRequest([{ field: 'regarding', message: `no ${body.regarding.type} ${body.regarding.id}` }]);
    }
    const inReplyTo = normalizeMessageId(body.inReplyTo);
    const original = inReplyTo ? await this.emails.findByMessageIds([inReplyTo]) : null;
    const regarding = body.regarding ?? (original?.regardingType && original.regardingId
      ? { type: original.regardingType, id: original.regardingId } : undefined);
    const ownerRecord = owner.record;
    const parties = await this.crm.resolveParties([
      { role: 'from', address: ownerRecord.email, name: owner.name },
      ...body.to.map((a) => ({ role: 'to' as const, address: normalizeAddress(a) })),
      ...body.cc.map((a) => ({ role: 'cc' as const, address: normalizeAddress(a) })),
      ...body.bcc.map((a) => ({ role: 'bcc' as const, address: normalizeAddress(a) })),
    ]);
    const id = await this.scope.run(async () => {
      const token = body.send ? await this.newToken(owner.kind, ownerRecord.id, owner.userNumber) : null;
      const saved = await this.emails.insert({
        direction: 'outgoing', status: body.send ? 'pending-send' : 'draft', ownerType: owner.kind, ownerId: ownerRecord.id,
        subject: body.subject, bodyText: body.text ?? null, bodyHtml: body.html ?? null, messageId: null,
        inReplyTo: inReplyTo ?? null, references: inReplyTo ? [...(original?.references ?? []), inReplyTo] : [],
        trackingToken: token, conversationSubject: conversationSubject(body.subject), regardingType: regarding?.type ?? null, regardingId: regarding?.id ?? null,
        receivedId: null, parties, attachments: [],
      });
      return saved.id;
    });
    return this.get(id);
  }

  /** draft → pending-send, with a tracking token. */
  async send(id: string) {
    const email = await this.emails.find(id);
    if (!email || email.direction !== 'outgoing') throw new NotFoundException(`no outgoing email ${id}`);
    if (email.status !== 'draft') throw new ConflictException(`email ${id} is ${email.status}, not a draft`);
    const user = email.ownerType === 'user' ? await this.records.findUser(email.ownerId) : null;
    const token = await this.newToken(email.ownerType as 'user' | 'queue', email.ownerId, user?.userNumber ?? 0);
    if (!(await this.emails.queueForSending(id, token))) throw new ConflictException(`email ${id} is not a draft any more`);
    return this.get(id);
  }

  /** A tracking token in the format of the owner's deployment; none when that deployment does not use tokens. */
  private async newToken(kind: 'user' | 'queue', ownerId: string, userNumber: number): Promise<string | null> {
    const tracking = await this.deployments.forOwner(kind, ownerId);
    if (!tracking.token.enabled) return null;
    return formatTrackingToken(tokenSettings(tracking), userNumber, await this.emails.nextTrackingCounter());
  }

  private async owner(body: ComposeBody): Promise<{ kind: 'user' | 'queue'; record: CrmUserEntity | CrmQueueEntity; name: string; userNumber: number }> {
    if (body.fromUserId) {
      const user = await this.records.findUser(body.fromUserId);
      if (!user) throw badRequest([{ field: 'fromUserId', message: `no user ${body.fromUserId}` }]);
      return { kind: 'user', record: user, name: user.fullName, userNumber: user.userNumber };
    }
    const queue = await this.records.findQueue(body.fromQueueId!);
    if (!queue) throw badRequest([{ field: 'fromQueueId', message: `no queue ${body.fromQueueId}` }]);
    // Queues have no user number: their tokens carry 0 in its place.
    return { kind: 'queue', record: queue, name: queue.name, userNumber: 0 };
  }
}
