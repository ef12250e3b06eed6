import type { RecordType } from '@mailrouter/domain';
import type { RecordEntity } from '../builtin-crm/records.repository';
import type { AttachmentEntity, EmailEntity, EmailPartyEntity } from '../builtin-crm/entities/email.entity';
import type { QuarantineEntity, ReceivedMailEntity } from '../builtin-crm/entities/trail.entity';
import type { AlertEntity } from '../builtin-crm/entities/tracking-state.entity';
import type { QueueItemRow } from '../builtin-crm/tracking-state.repository';

/** JSON shapes of the REST API (camelCase, ISO dates). */

export function recordView(type: RecordType, r: RecordEntity): Record<string, unknown> {
  const { account: _account, ...rest } = r as RecordEntity & { account?: unknown };
  return { type, ...rest, createdAt: r.createdAt.toISOString() };
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function emailSummary(e: EmailEntity) {
  return {
    id: e.id, direction: e.direction, status: e.status, subject: e.subject, messageId: e.messageId,
    trackingToken: e.trackingToken, owner: { type: e.ownerType, id: e.ownerId },
    regarding: e.regardingType && e.regardingId ? { type: e.regardingType, id: e.regardingId } : null,
    receivedId: e.receivedId, deliveryAttempts: e.deliveryAttempts, failureReason: e.failureReason,
    createdAt: e.createdAt.toISOString(), sentAt: iso(e.sentAt),
  };
}

export function emailView(e: EmailEntity, parties: EmailPartyEntity[], attachments: AttachmentEntity[]) {
  return {
    ...emailSummary(e),
    text: e.bodyText, html: e.bodyHtml, inReplyTo: e.inReplyTo, references: e.references,
    parties: parties.map((p) => ({
      role: p.role, address: p.address, name: p.name,
      record: p.recordType && p.recordId ? { type: p.recordType, id: p.recordId } : null,
    })),
    attachments: attachments.map((a) => ({
      id: a.id, filename: a.filename, contentType: a.contentType, size: a.size, stored: a.content !== null,
    })),
  };
}

export function receivedView(r: ReceivedMailEntity) {
  return {
    receivedId: r.receivedId, mailboxId: r.mailboxId, messageId: r.messageId, subject: r.subject,
    fromAddress: r.fromAddress, outcome: r.outcome, reason: r.reason, reasonText: r.reasonText,
    activityId: r.activityId, decidedAt: r.decidedAt.toISOString(),
    owner: r.ownerType && r.ownerId ? { type: r.ownerType, id: r.ownerId } : null,
    correlationRule: r.correlationRule, parties: r.parties, authentication: r.authentication,
    automatic: r.automaticKind ? { kind: r.automaticKind, reason: r.automaticReason } : null,
  };
}

export function alertView(a: AlertEntity) {
  return { id: a.id, kind: a.kind, owner: { type: a.ownerType, id: a.ownerId }, sender: a.sender, message: a.message, createdAt: a.createdAt.toISOString() };
}

export function queueItemView(q: QueueItemRow) {
  return { id: q.id, queueId: q.queueId, emailId: q.emailId, subject: q.subject, createdAt: new Date(q.createdAt).toISOString() };
}

export function quarantineView(q: QuarantineEntity) {
  return { id: q.id, event: q.event, msgId: q.msgId, payload: q.payload, reason: q.reason, createdAt: q.createdAt.toISOString() };
}
