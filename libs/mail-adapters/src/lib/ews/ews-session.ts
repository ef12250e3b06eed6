import {
  AffectedTaskOccurrence, BasePropertySet, SendCancellationsMode, SendInvitationsOrCancellationsMode, ChangeType, ConflictResolutionMode, DeleteMode, EmailMessage, EmailMessageSchema, Folder, FolderId, FolderSchema,
  FolderView, Item, ItemId, ItemSchema, ItemView, MessageDisposition, PropertySet, SearchFilter, ServiceError, ServiceResult,
  SyncFolderItemsScope, WellKnownFolderName,
} from 'ews-javascript-api';
import type { ServerConnection } from '../endpoint';
import {
  ewsKey, FetchedMessage, ListFilter, MailboxSession, MessageRef, RemoteMessage, ResolvedSessionOptions, resolveSessionOptions, SessionOptions,
} from '../incoming/mailbox-session';
import { connectEws, EwsCallError, EwsClient } from './ews-client';

/** SyncFolderItems' own maximum page. */
const SYNC_PAGE = 512;
/** At most this many changes are read per list(); the saved sync state continues from there. */
export const EWS_LIST_CAP = 1000;
/** Items per GetItem / UpdateItem / MoveItem / DeleteItem request. */
const BATCH = 100;
/** The library's optional arguments are typed as required: null is what it expects for "none". */
const NONE = null as unknown;

/**
 * Opens a mailbox's Inbox over EWS (GetFolder Inbox, bounded by the connect timeout): the session
 * lists with SyncFolderItems from a saved sync state, fetches MIME with GetItem.
 */
export async function openEwsSession(conn: ServerConnection, opts: SessionOptions = {}): Promise<MailboxSession> {
  const o = resolveSessionOptions(opts);
  const client = await connectEws(conn, { timeoutMs: o.commandTimeoutMs });
  await client.call(`EWS GetFolder Inbox of ${client.describe} on ${client.url}`, o.connectTimeoutMs, () => Folder.Bind(client.service, client.folder(WellKnownFolderName.Inbox), PropertySet.IdOnly));
  return new EwsSession(client, o);
}

function chunks<T>(list: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

function idsOf(msgs: MessageRef[]): ItemId[] {
  return msgs.map((m) => {
    if (!m.itemId) throw new EwsCallError('an EWS message is addressed by its ItemId, and this one has none', 'config');
    return new ItemId(m.itemId);
  });
}

class EwsSession implements MailboxSession {
  readonly protocol = 'ews' as const;
  readonly usesSyncState = true;
  syncState?: string;
  private closed = false;
  private readonly folders = new Map<string, FolderId>();

  constructor(private readonly client: EwsClient, private readonly o: ResolvedSessionOptions) {}

  private call<T>(what: string, work: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new EwsCallError('the EWS session is closed', 'config'));
    return this.client.call(`EWS ${what} (${this.client.describe})`, this.o.commandTimeoutMs, work);
  }

  async list(filter: ListFilter): Promise<RemoteMessage[]> {
    if ('sync' in filter) return this.sync(filter.sync);
    if ('afterUid' in filter) throw new EwsCallError('EWS has no UIDs: list with { sync } instead', 'config');
    return this.find('unseen' in filter);
  }

  /** The unread messages created since `state` (null: every unread message in the Inbox). */
  private async sync(state: string | null): Promise<RemoteMessage[]> {
    const shape = new PropertySet(BasePropertySet.IdOnly, [ItemSchema.Size, EmailMessageSchema.IsRead]);
    const out: RemoteMessage[] = [];
    let current = state;
    let read = 0;
    for (;;) {
      const changes = await this.call('SyncFolderItems Inbox', () =>
        this.client.service.SyncFolderItems(this.client.folder(WellKnownFolderName.Inbox), shape, NONE as ItemId[], SYNC_PAGE, SyncFolderItemsScope.NormalItems, current as string));
      for (const change of changes.GetEnumerator()) {
        if (change.ChangeType !== ChangeType.Create || !change.Item) continue;
        const message = change.Item as EmailMessage;
        if (!message.IsRead) out.push(this.remote(message));
      }
      current = changes.SyncState;
      read += changes.Count;
      if (!changes.MoreChangesAvailable || read >= EWS_LIST_CAP) break;
    }
    this.syncState = current ?? undefined;
    return out;
  }

  /** FindItem over the Inbox, all or unread only, page by page. */
  private async find(unseenOnly: boolean): Promise<RemoteMessage[]> {
    const out: RemoteMessage[] = [];
    const filter = unseenOnly ? new SearchFilter.IsEqualTo(EmailMessageSchema.IsRead, false) : null;
    for (let offset = 0; ; ) {
      const view = new ItemView(SYNC_PAGE, offset);
      view.PropertySet = new PropertySet(BasePropertySet.IdOnly, [ItemSchema.Size]);
      const page = await this.call('FindItem Inbox', () =>
        filter ? this.client.service.FindItems(this.client.folder(WellKnownFolderName.Inbox), filter, view) : this.client.service.FindItems(this.client.folder(WellKnownFolderName.Inbox), view));
      out.push(...page.Items.map((i) => this.remote(i)));
      if (!page.MoreAvailable || !page.Items.length) return out;
      offset = page.NextPageOffset ?? offset + page.Items.length;
    }
  }

  private remote(item: Item): RemoteMessage {
    const itemId = item.Id.UniqueId;
    return { key: ewsKey(itemId), itemId, size: item.Size };
  }

  fetch(msg: RemoteMessage): Promise<FetchedMessage> {
    return this.fetchMany([msg]).then((r) => r[0]);
  }

  /** Sizes first (GetItem Size), so a message over the limit is never read; then MimeContent of the rest. */
  async fetchMany(msgs: RemoteMessage[]): Promise<FetchedMessage[]> {
    const results: FetchedMessage[] = [];
    for (const batch of chunks(msgs, BATCH)) {
      const ids = idsOf(batch);
      const sizes = await this.call('GetItem Size', () => this.client.service.BindToItems(ids, new PropertySet(BasePropertySet.IdOnly, [ItemSchema.Size])));
      const verdicts: (FetchedMessage | undefined)[] = sizes.Responses.map((r) => {
        if (r.Result !== ServiceResult.Success) return this.goneOrThrow(r.ErrorCode, r.ErrorMessage);
        return r.Item.Size > this.o.maxMessageBytes ? { status: 'too-large', size: r.Item.Size } : undefined;
      });
      const wanted = ids.filter((_, i) => !verdicts[i]);
      const bodies = wanted.length
        ? await this.call('GetItem MimeContent', () => this.client.service.BindToItems(wanted, new PropertySet(BasePropertySet.IdOnly, [ItemSchema.MimeContent])))
        : undefined;
      let next = 0;
      for (const v of verdicts) {
        if (v) { results.push(v); continue; }
        const r = bodies!.Responses[next++];
        if (r.Result !== ServiceResult.Success) results.push(this.goneOrThrow(r.ErrorCode, r.ErrorMessage));
        else results.push({ status: 'ok', raw: Buffer.from(r.Item.MimeContent.Content, 'base64') });
      }
    }
    return results;
  }

  private goneOrThrow(code: ServiceError, message: string): FetchedMessage {
    if (code === ServiceError.ErrorItemNotFound) return { status: 'gone' };
    throw new EwsCallError(`EWS GetItem (${this.client.describe}): ${ServiceError[code]}: ${message}`, 'ews', ServiceError[code]);
  }

  markSeen(msg: MessageRef): Promise<void> {
    return this.markSeenMany([msg]);
  }

  /** UpdateItem IsRead=true: GetItem binds the items (the library updates loaded items only), one UpdateItem per batch. */
  async markSeenMany(msgs: MessageRef[]): Promise<void> {
    for (const batch of chunks(idsOf(msgs), BATCH)) {
      const bound = await this.call('GetItem for UpdateItem', () => this.client.service.BindToItems(batch, PropertySet.IdOnly));
      this.throwUnlessGone('GetItem', bound.Responses);
      const items = bound.Responses.filter((r) => r.Result === ServiceResult.Success).map((r) => r.Item as EmailMessage);
      if (!items.length) continue;
      for (const item of items) item.IsRead = true;
      const updated = await this.call('UpdateItem IsRead', () =>
        this.client.service.UpdateItems(items, NONE as FolderId, ConflictResolutionMode.AutoResolve, MessageDisposition.SaveOnly, NONE as SendInvitationsOrCancellationsMode));
      this.throwUnlessGone('UpdateItem', updated.Responses);
    }
  }

  delete(msg: MessageRef): Promise<void> {
    return this.deleteMany([msg]);
  }

  /**
   * DeleteItem with MoveToDeletedItems: like the original router and Outlook's delete, the user can
   * still recover a message from Deleted Items; a HardDelete would be irreversible.
   */
  async deleteMany(msgs: MessageRef[]): Promise<void> {
    for (const batch of chunks(idsOf(msgs), BATCH)) {
      const res = await this.call('DeleteItem', () => this.client.service.DeleteItems(batch, DeleteMode.MoveToDeletedItems, NONE as SendCancellationsMode, NONE as AffectedTaskOccurrence));
      this.throwUnlessGone('DeleteItem', res.Responses);
    }
  }

  /** MoveItem into `folder` under the mailbox's root (Top of Information Store), created when missing. */
  async moveMany(msgs: MessageRef[], folder: string): Promise<void> {
    const target = await this.folderNamed(folder);
    for (const batch of chunks(idsOf(msgs), BATCH)) {
      const res = await this.call(`MoveItem to ${folder}`, () => this.client.service.MoveItems(batch, target));
      this.throwUnlessGone('MoveItem', res.Responses);
    }
  }

  private async folderNamed(name: string): Promise<FolderId> {
    const known = this.folders.get(name.toLowerCase());
    if (known) return known;
    const root = this.client.folder(WellKnownFolderName.MsgFolderRoot);
    const find = () => this.call(`FindFolder ${name}`, () => this.client.service.FindFolders(root, new SearchFilter.IsEqualTo(FolderSchema.DisplayName, name), new FolderView(2)));
    let found = (await find()).Folders[0]?.Id;
    if (!found) {
      const created = new Folder(this.client.service);
      created.DisplayName = name;
      try {
        await this.call(`CreateFolder ${name}`, () => created.Save(root));
        found = created.Id;
      } catch (err) {
        // Another worker created it meanwhile: use theirs.
        if ((err as EwsCallError).ewsCode !== 'ErrorFolderExists') throw err;
        found = (await find()).Folders[0]?.Id;
      }
    }
    if (!found) throw new EwsCallError(`EWS folder ${name} could not be found or created in ${this.client.describe}`, 'ews');
    this.folders.set(name.toLowerCase(), found);
    return found;
  }

  /** A message already gone is settled; any other per-item error surfaces with the server's words. */
  private throwUnlessGone(what: string, responses: { Result: ServiceResult; ErrorCode: ServiceError; ErrorMessage: string }[]): void {
    const bad = responses.find((r) => r.Result !== ServiceResult.Success && r.ErrorCode !== ServiceError.ErrorItemNotFound);
    if (bad) throw new EwsCallError(`EWS ${what} (${this.client.describe}): ${ServiceError[bad.ErrorCode]}: ${bad.ErrorMessage}`, 'ews', ServiceError[bad.ErrorCode]);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  abort(): void {
    this.closed = true;
    this.client.xhr.disconnect();
  }
}
