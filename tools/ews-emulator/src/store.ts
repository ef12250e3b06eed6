/**
 * The EWS EMULATOR's mailboxes: users, permissions, folders, items, a change log per mailbox
 * (what SyncFolderItems states point into), inbox rules, and what was sent. Tests fill and
 * inspect it directly. Not Microsoft Exchange.
 */
import { forwardAsAttachment, headerAddresses, headerValue, recipientsOf } from './mime';

export interface EmulatorUser {
  address: string;
  /** sAMAccountName, used with the domain for NTLM and DOMAIN\user Basic logins. */
  username: string;
  password: string;
  domain: string;
  displayName?: string;
}

export type DistinguishedFolder = 'msgfolderroot' | 'inbox' | 'sentitems' | 'deleteditems' | 'drafts';

export interface StoredFolder {
  id: string;
  displayName: string;
  parentId?: string;
  distinguished?: DistinguishedFolder;
}

export interface StoredItem {
  id: string;
  changeKey: number;
  folderId: string;
  mime: Buffer;
  isRead: boolean;
  subject: string;
  received: Date;
}

export interface StoredRule {
  ruleId: string;
  displayName: string;
  priority: number;
  isEnabled: boolean;
  forwardAsAttachmentTo: string[];
}

export interface ChangeEntry {
  seq: number;
  kind: 'create' | 'delete' | 'readflag';
  folderId: string;
  itemId: string;
}

export interface Mailbox {
  address: string;
  folders: Map<string, StoredFolder>;
  items: Map<string, StoredItem>;
  changes: ChangeEntry[];
  rules: StoredRule[];
}

export interface SentRecord {
  /** The MIME exactly as submitted in CreateItem (or built by an inbox rule). */
  mime: Buffer;
  /** The authenticated account (or 'inbox-rule'). */
  submittedBy: string;
  /** The mailbox acted as (after impersonation). */
  actingAs: string;
  /** The mailbox the item was created and saved in. */
  mailbox: string;
  from?: string;
  sender?: string;
  recipients: string[];
  via: 'CreateItem' | 'inbox-rule';
}

const FOLDERS: [DistinguishedFolder, string][] = [
  ['inbox', 'Inbox'], ['sentitems', 'Sent Items'], ['deleteditems', 'Deleted Items'], ['drafts', 'Drafts'],
];

export class EwsStore {
  readonly users = new Map<string, EmulatorUser>();
  readonly mailboxes = new Map<string, Mailbox>();
  readonly sent: SentRecord[] = [];
  /** actor → targets it may impersonate ('*' = all): the ApplicationImpersonation role. */
  readonly impersonation = new Map<string, Set<string>>();
  /** mailbox → actors with full access (Add-MailboxPermission -AccessRights FullAccess). */
  readonly fullAccess = new Map<string, Set<string>>();
  /** mailbox → actors with Send As (Add-ADPermission -ExtendedRights Send-As). */
  readonly sendAs = new Map<string, Set<string>>();
  /** mailbox → actors with Send on Behalf (GrantSendOnBehalfTo). */
  readonly sendOnBehalf = new Map<string, Set<string>>();
  private seq = 0;
  private ids = 0;

  addUser(user: Omit<EmulatorUser, 'domain' | 'username'> & Partial<Pick<EmulatorUser, 'domain' | 'username'>>): EmulatorUser {
    const address = user.address.toLowerCase();
    const full: EmulatorUser = { domain: 'CONTOSO', username: address.split('@')[0], ...user, address };
    this.users.set(address, full);
    const mailbox: Mailbox = { address, folders: new Map(), items: new Map(), changes: [], rules: [] };
    const root: StoredFolder = { id: this.newId('folder', address), displayName: 'Top of Information Store', distinguished: 'msgfolderroot' };
    mailbox.folders.set(root.id, root);
    for (const [distinguished, displayName] of FOLDERS) {
      const f: StoredFolder = { id: this.newId('folder', address), displayName, parentId: root.id, distinguished };
      mailbox.folders.set(f.id, f);
    }
    this.mailboxes.set(address, mailbox);
    return full;
  }

  grantImpersonation(actor: string, target = '*'): void {
    add(this.impersonation, actor.toLowerCase(), target.toLowerCase());
  }
  grantFullAccess(actor: string, mailbox: string): void {
    add(this.fullAccess, mailbox.toLowerCase(), actor.toLowerCase());
  }
  grantSendAs(actor: string, mailbox: string): void {
    add(this.sendAs, mailbox.toLowerCase(), actor.toLowerCase());
  }
  grantSendOnBehalf(actor: string, mailbox: string): void {
    add(this.sendOnBehalf, mailbox.toLowerCase(), actor.toLowerCase());
  }

  canImpersonate(actor: string, target: string): boolean {
    const set = this.impersonation.get(actor.toLowerCase());
    return !!set && (set.has('*') || set.has(target.toLowerCase()));
  }
  hasFullAccess(actor: string, mailbox: string): boolean {
    return actor.toLowerCase() === mailbox.toLowerCase() || !!this.fullAccess.get(mailbox.toLowerCase())?.has(actor.toLowerCase());
  }
  hasSendAs(actor: string, mailbox: string): boolean {
    return actor.toLowerCase() === mailbox.toLowerCase() || !!this.sendAs.get(mailbox.toLowerCase())?.has(actor.toLowerCase());
  }
  /** Send on behalf: the GrantSendOnBehalfTo list, which Outlook's delegate access also sets. */
  hasSendOnBehalf(actor: string, mailbox: string): boolean {
    return !!this.sendOnBehalf.get(mailbox.toLowerCase())?.has(actor.toLowerCase()) || this.hasFullAccess(actor, mailbox);
  }

  mailbox(address: string): Mailbox | undefined {
    return this.mailboxes.get(address.toLowerCase());
  }

  folder(address: string, distinguished: DistinguishedFolder): StoredFolder {
    const mb = this.requireMailbox(address);
    const f = [...mb.folders.values()].find((x) => x.distinguished === distinguished);
    if (!f) throw new Error(`mailbox ${address} has no ${distinguished} folder`);
    return f;
  }

  createFolder(address: string, parentId: string, displayName: string): StoredFolder {
    const mb = this.requireMailbox(address);
    const f: StoredFolder = { id: this.newId('folder', mb.address), displayName, parentId };
    mb.folders.set(f.id, f);
    return f;
  }

  /** Delivers a message to a mailbox's Inbox, then runs that mailbox's enabled inbox rules on it. */
  deliver(address: string, rawMime: Buffer | string): StoredItem {
    const mb = this.requireMailbox(address);
    const mime = Buffer.isBuffer(rawMime) ? rawMime : Buffer.from(rawMime, 'utf8');
    const item = this.addItem(mb, this.folder(address, 'inbox').id, mime, false);
    for (const rule of [...mb.rules].sort((a, b) => a.priority - b.priority)) {
      if (!rule.isEnabled || !rule.forwardAsAttachmentTo.length) continue;
      const wrapper = forwardAsAttachment(mime, this.users.get(mb.address)!, rule.forwardAsAttachmentTo);
      this.sent.push({ mime: wrapper, submittedBy: 'inbox-rule', actingAs: mb.address, mailbox: mb.address, from: mb.address, recipients: rule.forwardAsAttachmentTo, via: 'inbox-rule' });
      for (const to of rule.forwardAsAttachmentTo) if (this.mailbox(to)) this.deliver(to, wrapper);
    }
    return item;
  }

  /** Saves a submitted message in the mailbox's Sent Items and delivers it to local recipients. */
  submit(record: Omit<SentRecord, 'recipients' | 'from' | 'sender' | 'via'>, savedFolderId?: string): SentRecord {
    const full: SentRecord = {
      ...record,
      via: 'CreateItem',
      from: headerAddresses(record.mime, 'from')[0],
      sender: headerAddresses(record.mime, 'sender')[0],
      recipients: recipientsOf(record.mime),
    };
    this.sent.push(full);
    if (savedFolderId) this.addItem(this.requireMailbox(record.mailbox), savedFolderId, stripBcc(record.mime), true);
    for (const to of full.recipients) if (this.mailbox(to)) this.deliver(to, record.mime);
    return full;
  }

  addItem(mb: Mailbox, folderId: string, mime: Buffer, isRead: boolean): StoredItem {
    const item: StoredItem = { id: this.newId('item', mb.address), changeKey: 1, folderId, mime, isRead, subject: headerValue(mime, 'subject') ?? '', received: new Date() };
    mb.items.set(item.id, item);
    this.log(mb, 'create', folderId, item.id);
    return item;
  }

  setRead(mb: Mailbox, item: StoredItem, isRead: boolean): void {
    if (item.isRead === isRead) return;
    item.isRead = isRead;
    item.changeKey++;
    this.log(mb, 'readflag', item.folderId, item.id);
  }

  /** Moves an item: a delete in the old folder's sync, a create (new ItemId, as Exchange does) in the new one. */
  moveItem(mb: Mailbox, item: StoredItem, folderId: string): StoredItem {
    this.removeItem(mb, item);
    return this.addItemKeeping(mb, item, folderId);
  }

  removeItem(mb: Mailbox, item: StoredItem): void {
    mb.items.delete(item.id);
    this.log(mb, 'delete', item.folderId, item.id);
  }

  /** Items of a folder, oldest first. */
  itemsIn(mb: Mailbox, folderId: string): StoredItem[] {
    return [...mb.items.values()].filter((i) => i.folderId === folderId);
  }

  /** The mailbox an emulator id (folder or item) belongs to, or undefined for a foreign/garbled id. */
  ownerOfId(id: string): string | undefined {
    const m = /^ews-emu:(?:item|folder):([^:]+):\d+$/.exec(Buffer.from(id, 'base64').toString('utf8'));
    return m?.[1];
  }

  latestSeq(mb: Mailbox): number {
    return mb.changes.length ? mb.changes[mb.changes.length - 1].seq : 0;
  }

  private addItemKeeping(mb: Mailbox, old: StoredItem, folderId: string): StoredItem {
    const item: StoredItem = { ...old, id: this.newId('item', mb.address), folderId, changeKey: old.changeKey + 1 };
    mb.items.set(item.id, item);
    this.log(mb, 'create', folderId, item.id);
    return item;
  }

  private log(mb: Mailbox, kind: ChangeEntry['kind'], folderId: string, itemId: string): void {
    mb.changes.push({ seq: ++this.seq, kind, folderId, itemId });
  }

  private newId(kind: 'item' | 'folder', address: string): string {
    return Buffer.from(`ews-emu:${kind}:${address}:${++this.ids}`, 'utf8').toString('base64');
  }

  private requireMailbox(address: string): Mailbox {
    const mb = this.mailbox(address);
    if (!mb) throw new Error(`the emulator has no mailbox ${address}`);
    return mb;
  }
}

function add(map: Map<string, Set<string>>, key: string, value: string): void {
  const set = map.get(key) ?? new Set<string>();
  set.add(value);
  map.set(key, set);
}

/** Sent Items keeps what was sent, without the Bcc header (Exchange keeps Bcc as a recipient property). */
function stripBcc(mime: Buffer): Buffer {
  const text = mime.toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  const head = end < 0 ? text : text.slice(0, end);
  const stripped = head.replace(/^bcc:.*(?:\r?\n[ \t].*)*\r?\n?/gim, '');
  return Buffer.from(stripped + (end < 0 ? '' : text.slice(end)), 'latin1');
}
