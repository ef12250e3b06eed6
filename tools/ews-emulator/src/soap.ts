/**
 * SOAP 1.1 framing of the EWS EMULATOR's answers, the errors EWS reports, and what every
 * operation shares: which mailbox a request acts on, folder resolution, item rendering.
 * Wire format: https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/ews-xml-elements-in-exchange
 */
import { headerValue } from './mime';
import type { EmulatorUser, EwsStore, Mailbox, StoredFolder, StoredItem } from './store';
import { child, escapeXml, NS, textAt, XmlElement } from './xml';

/** A per-item error: answered inside the operation's response message (ResponseClass="Error"). */
export class EwsError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

/** A request-level error: answered as a SOAP fault with HTTP 500, as Exchange does. */
export class SoapFault extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

export interface RequestContext {
  store: EwsStore;
  /** The authenticated account. */
  account: EmulatorUser;
  /** The mailbox the request acts as: the account, or the ExchangeImpersonation target. */
  actingAs: string;
  ewsUrl: string;
}

const SERVER_VERSION =
  '<h:ServerVersionInfo MajorVersion="15" MinorVersion="1" MajorBuildNumber="2507" MinorBuildNumber="6" Version="V2017_07_11" ' +
  `xmlns:h="${NS.types}" xmlns="${NS.types}" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="${NS.xsi}"/>`;

export function envelope(body: string): string {
  return `<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="${NS.soap}"><s:Header>${SERVER_VERSION}</s:Header>` +
    `<s:Body xmlns:xsi="${NS.xsi}" xmlns:xsd="http://www.w3.org/2001/XMLSchema">${body}</s:Body></s:Envelope>`;
}

export function faultEnvelope(code: string, message: string): string {
  const msg = escapeXml(message);
  return `<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="${NS.soap}"><s:Body><s:Fault>` +
    `<faultcode xmlns:a="${NS.types}">a:${code}</faultcode><faultstring xml:lang="en-US">${msg}</faultstring>` +
    `<detail><e:ResponseCode xmlns:e="${NS.errors}">${code}</e:ResponseCode><e:Message xmlns:e="${NS.errors}">${msg}</e:Message></detail>` +
    '</s:Fault></s:Body></s:Envelope>';
}

/** `<m:XResponse><m:ResponseMessages>…</m:ResponseMessages></m:XResponse>` */
export function responseMessages(operation: string, messages: string[]): string {
  return `<m:${operation}Response xmlns:m="${NS.messages}" xmlns:t="${NS.types}"><m:ResponseMessages>${messages.join('')}</m:ResponseMessages></m:${operation}Response>`;
}

/** One response message; `work` returns its inner XML, or throws EwsError for an error message. */
export function responseMessage(operation: string, work: () => string): string {
  const tag = `m:${operation}ResponseMessage`;
  try {
    return `<${tag} ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>${work()}</${tag}>`;
  } catch (err) {
    if (!(err instanceof EwsError)) throw err;
    return `<${tag} ResponseClass="Error"><m:MessageText>${escapeXml(err.message)}</m:MessageText>` +
      `<m:ResponseCode>${err.code}</m:ResponseCode><m:DescriptiveLinkKey>0</m:DescriptiveLinkKey></${tag}>`;
  }
}

export const NO_MAILBOX = 'The SMTP address has no mailbox associated with it.';
export const ACCESS_DENIED = 'Access is denied. Check credentials and try again.';

/** The mailbox `address` for this request, checking the acting user may open it (owner or full access). */
export function openMailbox(ctx: RequestContext, address: string): Mailbox {
  const mb = ctx.store.mailbox(address);
  if (!mb) throw new EwsError('ErrorNonExistentMailbox', NO_MAILBOX);
  if (!ctx.store.hasFullAccess(ctx.actingAs, mb.address)) throw new EwsError('ErrorAccessDenied', ACCESS_DENIED);
  return mb;
}

/** A DistinguishedFolderId (with optional Mailbox) or FolderId element → its mailbox and folder. */
export function resolveFolder(ctx: RequestContext, holder: XmlElement | undefined): { mb: Mailbox; folder: StoredFolder } {
  const dist = child(holder, 'DistinguishedFolderId');
  if (dist) {
    const mb = openMailbox(ctx, textAt(dist, 'Mailbox', 'EmailAddress') || ctx.actingAs);
    const folder = [...mb.folders.values()].find((f) => f.distinguished === dist.attrs.Id);
    if (!folder) throw new EwsError('ErrorFolderNotFound', `The specified folder could not be found in the store. (${dist.attrs.Id})`);
    return { mb, folder };
  }
  const id = child(holder, 'FolderId')?.attrs.Id;
  const owner = id ? ctx.store.ownerOfId(id) : undefined;
  if (!id || !owner) throw new EwsError('ErrorInvalidIdMalformed', 'Id is malformed.');
  const mb = openMailbox(ctx, owner);
  const folder = mb.folders.get(id);
  if (!folder) throw new EwsError('ErrorFolderNotFound', 'The specified folder could not be found in the store.');
  return { mb, folder };
}

/** An ItemId → its mailbox and item (ErrorItemNotFound when it no longer exists). */
export function resolveItem(ctx: RequestContext, itemId: XmlElement): { mb: Mailbox; item: StoredItem } {
  const id = itemId.attrs.Id;
  const owner = id ? ctx.store.ownerOfId(id) : undefined;
  if (!owner) throw new EwsError('ErrorInvalidIdMalformed', 'Id is malformed.');
  const mb = openMailbox(ctx, owner);
  const item = mb.items.get(id);
  if (!item) throw new EwsError('ErrorItemNotFound', 'The specified object was not found in the store., The process failed to get the correct properties.');
  return { mb, item };
}

export function changeKey(version: number): string {
  return Buffer.from(`CQAAABYAAA-emu-${version}`).toString('base64');
}

export function folderXml(mb: Mailbox, f: StoredFolder, store: EwsStore, full = true): string {
  const id = `<t:FolderId Id="${f.id}" ChangeKey="${changeKey(1)}"/>`;
  if (!full) return `<t:Folder>${id}</t:Folder>`;
  const items = store.itemsIn(mb, f.id);
  const childCount = [...mb.folders.values()].filter((x) => x.parentId === f.id).length;
  return `<t:Folder>${id}${f.parentId ? `<t:ParentFolderId Id="${f.parentId}" ChangeKey="${changeKey(1)}"/>` : ''}` +
    `<t:FolderClass>IPF.Note</t:FolderClass><t:DisplayName>${escapeXml(f.displayName)}</t:DisplayName>` +
    `<t:TotalCount>${items.length}</t:TotalCount><t:ChildFolderCount>${childCount}</t:ChildFolderCount>` +
    `<t:UnreadCount>${items.filter((i) => !i.isRead).length}</t:UnreadCount></t:Folder>`;
}

/** The properties an ItemShape asks for: its BaseShape plus AdditionalProperties FieldURIs. */
export function shapeOf(shape: XmlElement | undefined): Set<string> {
  const base = textAt(shape, 'BaseShape') ?? 'Default';
  const props = new Set<string>(base === 'IdOnly' ? [] : ['item:ParentFolderId', 'item:ItemClass', 'item:Subject', 'item:DateTimeReceived', 'item:Size', 'message:From', 'message:IsRead']);
  for (const f of child(shape, 'AdditionalProperties')?.children ?? []) if (f.attrs.FieldURI) props.add(f.attrs.FieldURI);
  return props;
}

/** `<t:Message>` with the properties asked for, in the schema's order. */
export function itemXml(item: StoredItem, props: Set<string>): string {
  const from = /<([^>]+)>|(\S+@\S+)/.exec(headerValue(item.mime, 'from') ?? '');
  const parts = [
    props.has('item:MimeContent') ? `<t:MimeContent CharacterSet="UTF-8">${item.mime.toString('base64')}</t:MimeContent>` : '',
    `<t:ItemId Id="${item.id}" ChangeKey="${changeKey(item.changeKey)}"/>`,
    props.has('item:ParentFolderId') ? `<t:ParentFolderId Id="${item.folderId}" ChangeKey="${changeKey(1)}"/>` : '',
    props.has('item:ItemClass') ? '<t:ItemClass>IPM.Note</t:ItemClass>' : '',
    props.has('item:Subject') ? `<t:Subject>${escapeXml(item.subject)}</t:Subject>` : '',
    props.has('item:DateTimeReceived') ? `<t:DateTimeReceived>${item.received.toISOString().replace(/\.\d+Z$/, 'Z')}</t:DateTimeReceived>` : '',
    props.has('item:Size') ? `<t:Size>${item.mime.length}</t:Size>` : '',
    props.has('message:From') && from ? `<t:From><t:Mailbox><t:EmailAddress>${escapeXml(from[1] ?? from[2])}</t:EmailAddress><t:RoutingType>SMTP</t:RoutingType></t:Mailbox></t:From>` : '',
    props.has('message:InternetMessageId') ? `<t:InternetMessageId>${escapeXml(headerValue(item.mime, 'message-id') ?? '')}</t:InternetMessageId>` : '',
    props.has('message:IsRead') ? `<t:IsRead>${item.isRead}</t:IsRead>` : '',
  ];
  return `<t:Message>${parts.join('')}</t:Message>`;
}

