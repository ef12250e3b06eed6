/** The JSON shapes of Graph v1.0 the EMULATOR answers with: errors, folders, messages. */
import { randomUUID } from 'node:crypto';
import { summarise } from './mime';
import type { Folder, Mailbox, StoredMessage } from './store';

export interface ApiResponse {
  status: number;
  json?: unknown;
  raw?: { contentType: string; body: Buffer };
  headers?: Record<string, string>;
}

/** Graph's error body: https://learn.microsoft.com/graph/errors */
export function graphError(status: number, code: string, message: string, headers?: Record<string, string>): ApiResponse {
  const requestId = randomUUID();
  return {
    status,
    json: { error: { code, message, innerError: { date: new Date().toISOString().slice(0, 19), 'request-id': requestId, 'client-request-id': requestId } } },
    ...(headers ? { headers } : {}),
  };
}

export const itemNotFound = () => graphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');

export function folderJson(mbx: Mailbox, f: Folder): Record<string, unknown> {
  const msgs = [...mbx.messages.values()].filter((m) => m.folderId === f.id);
  return {
    id: f.id, displayName: f.displayName, parentFolderId: f.parentFolderId,
    childFolderCount: [...mbx.folders.values()].filter((c) => c.parentFolderId === f.id).length,
    unreadItemCount: msgs.filter((m) => !m.isRead).length, totalItemCount: msgs.length, sizeInBytes: msgs.reduce((n, m) => n + m.mime.length, 0), isHidden: false,
  };
}

/** PidTagMessageSize, which Graph exposes as a single-value extended property. */
export const MESSAGE_SIZE_PROPERTY = 'Integer 0x0E08';

export function messageJson(m: StoredMessage, expandSize = false): Record<string, unknown> {
  const s = summarise(m.mime);
  return {
    '@odata.etag': `W/"CQAAABYAAAEmu${m.changeSeq}"`,
    id: m.id, createdDateTime: m.createdDateTime, lastModifiedDateTime: m.createdDateTime, receivedDateTime: m.receivedDateTime,
    sentDateTime: m.receivedDateTime, hasAttachments: /content-type:\s*multipart\/mixed/i.test(m.mime.subarray(0, 4096).toString('latin1')),
    internetMessageId: s.internetMessageId ?? null, subject: s.subject, importance: 'normal', parentFolderId: m.folderId,
    conversationId: null, isRead: m.isRead, isDraft: false, from: s.from ?? null, sender: s.sender ?? s.from ?? null,
    toRecipients: s.toRecipients, ccRecipients: s.ccRecipients, bccRecipients: s.bccRecipients, replyTo: [],
    ...(expandSize ? { singleValueExtendedProperties: [{ id: 'Integer 0xe08', value: String(m.mime.length) }] } : {}),
  };
}

/** `$select` (id and @odata.* always kept) and the size property when `$expand` asks for it. */
export function project(full: Record<string, unknown>, select: string | null): Record<string, unknown> {
  if (!select) return full;
  const keep = new Set(select.split(',').map((s) => s.trim()).concat('id', 'singleValueExtendedProperties'));
  return Object.fromEntries(Object.entries(full).filter(([k]) => keep.has(k) || k.startsWith('@odata.')));
}

export function expandsSize(expand: string | null): boolean {
  return !!expand && /singleValueExtendedProperties/i.test(expand) && /0x0?e08/i.test(expand);
}
