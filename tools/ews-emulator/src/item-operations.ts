/**
 * The EWS EMULATOR's item operations, each as its EWS reference page describes it:
 * https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/ews-operations-in-exchange
 */
import { headerAddresses, recipientsOf } from './mime';
import {
  EwsError, itemXml, openMailbox, RequestContext, resolveFolder, resolveItem, responseMessage, responseMessages, shapeOf,
} from './soap';
import type { Mailbox, StoredFolder } from './store';
import { child, childrenNamed, textAt, XmlElement } from './xml';

const INVALID_SYNC_STATE = 'Synchronization state data is corrupt or otherwise invalid.';

interface SyncState {
  emu: 'ews';
  mailbox: string;
  folder: string;
  seq: number;
}

/** Opaque to the client: a position in the mailbox's change log, bound to one folder. */
export function encodeSyncState(s: SyncState): string {
  return Buffer.from(JSON.stringify(s), 'utf8').toString('base64');
}

function decodeSyncState(text: string, mb: Mailbox, folder: StoredFolder): number {
  try {
    const s = JSON.parse(Buffer.from(text, 'base64').toString('utf8')) as SyncState;
    if (s.emu === 'ews' && s.mailbox === mb.address && s.folder === folder.id && Number.isInteger(s.seq)) return s.seq;
  } catch {
    // fall through: any undecodable state is reported as Exchange reports it
  }
  throw new EwsError('ErrorInvalidSyncStateData', INVALID_SYNC_STATE);
}

/** SyncFolderItems: the changes in a folder since the sync state, at most MaxChangesReturned. */
export function syncFolderItems(ctx: RequestContext, req: XmlElement): string {
  return responseMessages('SyncFolderItems', [responseMessage('SyncFolderItems', () => {
    const { mb, folder } = resolveFolder(ctx, child(req, 'SyncFolderId'));
    const stateText = textAt(req, 'SyncState');
    const from = stateText ? decodeSyncState(stateText, mb, folder) : 0;
    const max = Number(textAt(req, 'MaxChangesReturned') ?? '512');
    if (!Number.isInteger(max) || max < 1 || max > 512) throw new EwsError('ErrorInvalidArgument', 'MaxChangesReturned must be between 1 and 512.');
    const props = shapeOf(child(req, 'ItemShape'));
    const entries = mb.changes.filter((c) => c.seq > from && c.folderId === folder.id);
    const createdInWindow = new Set(entries.filter((c) => c.kind === 'create').map((c) => c.itemId));
    const out: string[] = [];
    let last = from;
    for (const c of entries) {
      if (out.length >= max) break;
      last = c.seq;
      const item = mb.items.get(c.itemId);
      const present = item && item.folderId === folder.id;
      // Changes to an item the client never saw, or that has gone since, are folded away as Exchange does.
      if (c.kind === 'create' && present) out.push(`<t:Create>${itemXml(item, props)}</t:Create>`);
      else if (c.kind === 'delete' && !createdInWindow.has(c.itemId)) out.push(`<t:Delete><t:ItemId Id="${c.itemId}"/></t:Delete>`);
      else if (c.kind === 'readflag' && present && !createdInWindow.has(c.itemId)) {
        out.push(`<t:ReadFlagChange><t:ItemId Id="${item.id}"/><t:IsRead>${item.isRead}</t:IsRead></t:ReadFlagChange>`);
      }
    }
    const includesLast = !entries.some((c) => c.seq > last);
    const state = encodeSyncState({ emu: 'ews', mailbox: mb.address, folder: folder.id, seq: last });
    return `<m:SyncState>${state}</m:SyncState><m:IncludesLastItemInRange>${includesLast}</m:IncludesLastItemInRange><m:Changes>${out.join('')}</m:Changes>`;
  })]);
}

/** FindItem: a page of a folder's items; the restriction understood is IsEqualTo message:IsRead. */
export function findItem(ctx: RequestContext, req: XmlElement): string {
  const view = child(req, 'IndexedPageItemView');
  const max = Number(view?.attrs.MaxEntriesReturned ?? '1000');
  const offset = Number(view?.attrs.Offset ?? '0');
  const props = shapeOf(child(req, 'ItemShape'));
  const isEqualTo = child(child(req, 'Restriction'), 'IsEqualTo');
  const field = child(isEqualTo, 'FieldURI')?.attrs.FieldURI;
  const constant = child(child(isEqualTo, 'FieldURIOrConstant'), 'Constant')?.attrs.Value;
  const parents = child(req, 'ParentFolderIds')?.children ?? [];
  return responseMessages('FindItem', parents.map((p) => responseMessage('FindItem', () => {
    const { mb, folder } = resolveFolder(ctx, { name: 'ParentFolderIds', ns: '', attrs: {}, children: [p], text: '' });
    let items = ctx.store.itemsIn(mb, folder.id);
    if (isEqualTo && field !== 'message:IsRead') throw new EwsError('ErrorUnsupportedQueryFilter', `The EWS EMULATOR only restricts FindItem on message:IsRead, not ${field}.`);
    if (field === 'message:IsRead') items = items.filter((i) => String(i.isRead) === constant);
    const page = items.slice(offset, offset + max);
    const end = offset + page.length;
    return `<m:RootFolder IndexedPagingOffset="${end}" TotalItemsInView="${items.length}" IncludesLastItemInRange="${end >= items.length}">` +
      `<t:Items>${page.map((i) => itemXml(i, props)).join('')}</t:Items></m:RootFolder>`;
  })));
}

/** GetItem: one response message per ItemId, ErrorItemNotFound for one that has gone. */
export function getItem(ctx: RequestContext, req: XmlElement): string {
  const props = shapeOf(child(req, 'ItemShape'));
  return responseMessages('GetItem', childrenNamed(child(req, 'ItemIds'), 'ItemId').map((id) => responseMessage('GetItem', () => {
    const { item } = resolveItem(ctx, id);
    return `<m:Items>${itemXml(item, props)}</m:Items>`;
  })));
}

/** UpdateItem: the emulator updates message:IsRead (what a mail router changes). */
export function updateItem(ctx: RequestContext, req: XmlElement): string {
  return responseMessages('UpdateItem', childrenNamed(child(req, 'ItemChanges'), 'ItemChange').map((change) => responseMessage('UpdateItem', () => {
    const { mb, item } = resolveItem(ctx, child(change, 'ItemId') ?? { name: 'ItemId', ns: '', attrs: {}, children: [], text: '' });
    for (const set of child(change, 'Updates')?.children ?? []) {
      const uri = child(set, 'FieldURI')?.attrs.FieldURI;
      if (set.name !== 'SetItemField' || uri !== 'message:IsRead') {
        throw new EwsError('ErrorInvalidPropertySet', `The EWS EMULATOR only updates message:IsRead (got ${set.name} ${uri ?? ''}).`);
      }
      const value = textAt(set, 'Message', 'IsRead');
      if (value !== 'true' && value !== 'false') throw new EwsError('ErrorInvalidValueForProperty', `IsRead must be true or false, not "${value}".`);
      ctx.store.setRead(mb, item, value === 'true');
    }
    return `<m:Items>${itemXml(item, new Set())}</m:Items><m:ConflictResults><t:Count>0</t:Count></m:ConflictResults>`;
  })));
}

/** MoveItem: the moved item gets a new ItemId in the destination, returned in Items. */
export function moveItem(ctx: RequestContext, req: XmlElement): string {
  const target = (() => {
    try {
      return resolveFolder(ctx, child(req, 'ToFolderId'));
    } catch (err) {
      return err as EwsError;
    }
  })();
  return responseMessages('MoveItem', childrenNamed(child(req, 'ItemIds'), 'ItemId').map((id) => responseMessage('MoveItem', () => {
    if (target instanceof Error) throw target;
    const { mb, item } = resolveItem(ctx, id);
    const moved = ctx.store.moveItem(mb, item, target.folder.id);
    return `<m:Items>${itemXml(moved, new Set())}</m:Items>`;
  })));
}

/** DeleteItem: HardDelete / SoftDelete remove the item; MoveToDeletedItems moves it to Deleted Items. */
export function deleteItem(ctx: RequestContext, req: XmlElement): string {
  const type = req.attrs.DeleteType ?? '';
  return responseMessages('DeleteItem', childrenNamed(child(req, 'ItemIds'), 'ItemId').map((id) => responseMessage('DeleteItem', () => {
    if (!['HardDelete', 'SoftDelete', 'MoveToDeletedItems'].includes(type)) throw new EwsError('ErrorInvalidRequest', `DeleteType "${type}" is not valid.`);
    const { mb, item } = resolveItem(ctx, id);
    if (type === 'MoveToDeletedItems') ctx.store.moveItem(mb, item, ctx.store.folder(mb.address, 'deleteditems').id);
    else ctx.store.removeItem(mb, item);
    return '';
  })));
}

export const SEND_AS_DENIED =
  'The user account which was used to submit this request does not have the right to send mail on behalf of the specified sending account., Cannot submit message.';

/** CreateItem of a Message from MimeContent: SaveOnly, SendOnly or SendAndSaveCopy. */
export function createItem(ctx: RequestContext, req: XmlElement): string {
  const disposition = req.attrs.MessageDisposition ?? 'SaveOnly';
  const messages = childrenNamed(child(req, 'Items'), 'Message');
  return responseMessages('CreateItem', messages.map((message) => responseMessage('CreateItem', () => {
    const saved = child(req, 'SavedItemFolderId');
    const { mb, folder } = saved
      ? resolveFolder(ctx, saved)
      : (() => {
        const own = openMailbox(ctx, ctx.actingAs);
        return { mb: own, folder: ctx.store.folder(own.address, disposition === 'SaveOnly' ? 'drafts' : 'sentitems') };
      })();
    const b64 = textAt(message, 'MimeContent');
    if (!b64) throw new EwsError('ErrorInvalidRequest', 'The EWS EMULATOR creates messages from MimeContent only.');
    const mime = Buffer.from(b64, 'base64');
    if (disposition === 'SaveOnly') return `<m:Items>${itemXml(ctx.store.addItem(mb, folder.id, mime, true), new Set())}</m:Items>`;
    checkSendRight(ctx, mime, mb.address);
    if (!recipientsOf(mime).length) throw new EwsError('ErrorInvalidRecipients', "At least one recipient isn't valid., A message can't be sent because it contains no recipients.");
    ctx.store.submit({ mime, submittedBy: ctx.account.address, actingAs: ctx.actingAs, mailbox: mb.address }, disposition === 'SendAndSaveCopy' ? folder.id : undefined);
    return '<m:Items/>';
  })));
}

/**
 * Exchange's submission check: From must be the acting user, or someone it has Send As on, or
 * (with Sender = the acting user) someone it may send on behalf of.
 */
function checkSendRight(ctx: RequestContext, mime: Buffer, mailbox: string): void {
  const actor = ctx.actingAs;
  const from = headerAddresses(mime, 'from')[0] ?? mailbox;
  const sender = headerAddresses(mime, 'sender')[0];
  if (from === actor) return;
  if (sender === actor && ctx.store.hasSendOnBehalf(actor, from)) return;
  if (!sender && ctx.store.hasSendAs(actor, from)) return;
  throw new EwsError('ErrorSendAsDenied', SEND_AS_DENIED);
}
