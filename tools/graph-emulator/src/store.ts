/**
 * The Graph EMULATOR's state: tenants, app registrations, mailboxes with their folders, messages
 * and inbox rules, send grants, application access policies and the log of submitted mail.
 * Tests fill and inspect it directly.
 */
import { createHash, randomBytes, randomUUID, X509Certificate } from 'node:crypto';
import { parseHeaders, summarise, type GraphEmailAddress } from './mime';

export const WELL_KNOWN_FOLDERS = {
  inbox: 'Inbox', sentitems: 'Sent Items', deleteditems: 'Deleted Items', drafts: 'Drafts', archive: 'Archive',
} as const;
export type WellKnownFolder = keyof typeof WELL_KNOWN_FOLDERS;

export interface EmulatorApp {
  tenantId: string;
  clientId: string;
  secrets: string[];
  /** Certificates for client_assertion: the public key and its SHA-1/SHA-256 thumbprints (hex). */
  certificates: { publicKeyPem: string; thumbprintSha1: string; thumbprintSha256: string }[];
  /** Application access policy: when set, the only mailboxes this app may touch. */
  allowedMailboxes?: string[];
}

export interface Folder {
  id: string;
  displayName: string;
  parentFolderId: string;
  wellKnownName?: WellKnownFolder;
}

export interface StoredMessage {
  id: string;
  folderId: string;
  mime: Buffer;
  isRead: boolean;
  createdDateTime: string;
  receivedDateTime: string;
  /** Change sequence (store-wide): delta lists what changed after a round's sequence. */
  changeSeq: number;
}

export interface MessageRule {
  id: string;
  displayName: string;
  sequence: number;
  isEnabled: boolean;
  actions: { forwardAsAttachmentTo?: GraphEmailAddress[]; stopProcessingRules?: boolean; [k: string]: unknown };
  conditions?: Record<string, unknown>;
}

export interface Mailbox {
  id: string;
  address: string;
  displayName: string;
  /** false: the user exists but has no Exchange Online mailbox (MailboxNotEnabledForRESTAPI). */
  mailboxEnabled: boolean;
  rootFolderId: string;
  folders: Map<string, Folder>;
  messages: Map<string, StoredMessage>;
  /** Ids removed from a folder (deleted or moved out), for delta's `@removed`. */
  tombstones: { id: string; folderId: string; seq: number }[];
  rules: MessageRule[];
}

/** One sendMail submission as the emulator accepted it. */
export interface SentRecord {
  /** The mailbox the request was posted to (`/users/{this}/sendMail`). */
  mailbox: string;
  from?: string;
  sender?: string;
  recipients: string[];
  mime: Buffer;
  at: string;
}

/** A forward-as-attachment rule's wrapper, as it was handed to the target mailbox. */
export interface ForwardRecord {
  user: string;
  to: string;
  mime: Buffer;
}

export type SendGrant = 'send-as' | 'send-on-behalf';

const lower = (s: string) => s.trim().toLowerCase();
/** Exchange ids are long base64 strings; these look alike so code never assumes a short id. */
export const exchangeId = () => `AAMkAGEmu${randomBytes(24).toString('base64url')}AAA=`;

export class GraphStore {
  readonly tenants = new Set<string>();
  readonly apps: EmulatorApp[] = [];
  readonly mailboxes = new Map<string, Mailbox>();
  readonly sent: SentRecord[] = [];
  readonly forwards: ForwardRecord[] = [];
  /** `<posted-to mailbox>\n<From address>` → grants the posted-to mailbox holds on that address. */
  private readonly grants = new Map<string, Set<SendGrant>>();
  private seq = 0;

  nextSeq(): number {
    return ++this.seq;
  }

  get currentSeq(): number {
    return this.seq;
  }

  addTenant(tenantId: string): void {
    this.tenants.add(lower(tenantId));
  }

  addApp(app: { tenantId: string; clientId: string; secret?: string; certificatePem?: string }): EmulatorApp {
    this.addTenant(app.tenantId);
    const entry: EmulatorApp = { tenantId: lower(app.tenantId), clientId: app.clientId, secrets: app.secret ? [app.secret] : [], certificates: [] };
    if (app.certificatePem) this.addCertificate(entry, app.certificatePem);
    this.apps.push(entry);
    return entry;
  }

  /** Registers an X.509 certificate (PEM) for client assertions, as uploaded to an app registration. */
  addCertificate(app: EmulatorApp, certificatePem: string): void {
    const cert = new X509Certificate(certificatePem);
    app.certificates.push({
      publicKeyPem: cert.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      thumbprintSha1: createHash('sha1').update(cert.raw).digest('hex').toUpperCase(),
      thumbprintSha256: createHash('sha256').update(cert.raw).digest('hex').toUpperCase(),
    });
  }

  app(tenantId: string, clientId: string): EmulatorApp | undefined {
    return this.apps.find((a) => a.tenantId === lower(tenantId) && a.clientId === clientId);
  }

  /** Application access policy: `clientId` may only reach these mailboxes (ErrorAccessDenied elsewhere). */
  restrictApp(clientId: string, mailboxes: string[]): void {
    for (const a of this.apps.filter((x) => x.clientId === clientId)) a.allowedMailboxes = mailboxes.map(lower);
  }

  addMailbox(address: string, options: { displayName?: string; mailboxEnabled?: boolean } = {}): Mailbox {
    const rootFolderId = exchangeId();
    const mbx: Mailbox = {
      id: randomUUID(), address: lower(address), displayName: options.displayName ?? address.split('@')[0],
      mailboxEnabled: options.mailboxEnabled ?? true, rootFolderId, folders: new Map(), messages: new Map(), tombstones: [], rules: [],
    };
    for (const [wellKnownName, displayName] of Object.entries(WELL_KNOWN_FOLDERS)) {
      const f: Folder = { id: exchangeId(), displayName, parentFolderId: rootFolderId, wellKnownName: wellKnownName as WellKnownFolder };
      mbx.folders.set(f.id, f);
    }
    this.mailboxes.set(mbx.address, mbx);
    return mbx;
  }

  /** By address or by the user's object id, as Graph's `/users/{id|userPrincipalName}`. */
  mailbox(idOrAddress: string): Mailbox | undefined {
    const key = lower(idOrAddress);
    return this.mailboxes.get(key) ?? [...this.mailboxes.values()].find((m) => m.id === key);
  }

  private must(address: string): Mailbox {
    const mbx = this.mailbox(address);
    if (!mbx) throw new Error(`the emulator has no mailbox ${address}`);
    return mbx;
  }

  /** A folder by id, well-known name or (top-level) display name. */
  folder(address: string, idOrName: string): Folder | undefined {
    const mbx = this.must(address);
    const key = idOrName.toLowerCase();
    return mbx.folders.get(idOrName)
      ?? [...mbx.folders.values()].find((f) => f.wellKnownName === key)
      ?? [...mbx.folders.values()].find((f) => f.parentFolderId === mbx.rootFolderId && f.displayName.toLowerCase() === key);
  }

  createFolder(address: string, displayName: string, parentFolderId?: string): Folder {
    const mbx = this.must(address);
    const f: Folder = { id: exchangeId(), displayName, parentFolderId: parentFolderId ?? mbx.rootFolderId };
    mbx.folders.set(f.id, f);
    return f;
  }

  /** The messages in one folder (default the Inbox), oldest first. */
  messages(address: string, folder: string = 'inbox'): StoredMessage[] {
    const f = this.folder(address, folder);
    if (!f) return [];
    return [...this.must(address).messages.values()].filter((m) => m.folderId === f.id);
  }

  /** Stores a message in a folder (not through delivery: no rules run). */
  put(address: string, raw: Buffer | string, folder: string = 'inbox', isRead = false): StoredMessage {
    const mbx = this.must(address);
    const f = this.folder(address, folder);
    if (!f) throw new Error(`mailbox ${address} has no folder ${folder}`);
    const now = new Date().toISOString();
    const msg: StoredMessage = {
      id: exchangeId(), folderId: f.id, mime: Buffer.isBuffer(raw) ? raw : Buffer.from(raw, 'utf8'), isRead,
      createdDateTime: now, receivedDateTime: now, changeSeq: this.nextSeq(),
    };
    mbx.messages.set(msg.id, msg);
    return msg;
  }

  /** Moves a message; like Exchange, the moved copy gets a new id and the old one is removed. */
  move(address: string, messageId: string, folderId: string): StoredMessage {
    const mbx = this.must(address);
    const old = mbx.messages.get(messageId);
    if (!old) throw new Error(`no message ${messageId}`);
    mbx.messages.delete(messageId);
    mbx.tombstones.push({ id: old.id, folderId: old.folderId, seq: this.nextSeq() });
    const moved: StoredMessage = { ...old, id: exchangeId(), folderId, changeSeq: this.nextSeq() };
    mbx.messages.set(moved.id, moved);
    return moved;
  }

  update(address: string, messageId: string, patch: { isRead?: boolean }): StoredMessage | undefined {
    const msg = this.must(address).messages.get(messageId);
    if (!msg) return undefined;
    if (patch.isRead !== undefined) msg.isRead = patch.isRead;
    msg.changeSeq = this.nextSeq();
    return msg;
  }

  grantSend(postedToMailbox: string, fromAddress: string, grant: SendGrant): void {
    const key = `${lower(postedToMailbox)}\n${lower(fromAddress)}`;
    const set = this.grants.get(key) ?? new Set<SendGrant>();
    set.add(grant);
    this.grants.set(key, set);
  }

  hasGrant(postedToMailbox: string, fromAddress: string, grant: SendGrant): boolean {
    return this.grants.get(`${lower(postedToMailbox)}\n${lower(fromAddress)}`)?.has(grant) ?? false;
  }

  rules(address: string): MessageRule[] {
    return this.must(address).rules;
  }

  /**
   * Delivers a message to a mailbox's Inbox as Exchange transport would, then runs its enabled
   * inbox rules: forwardAsAttachmentTo wraps the original (message/rfc822) in a new message
   * From the user and hands it to the target when the target is a mailbox of this emulator.
   */
  deliver(address: string, raw: Buffer | string, depth = 0): StoredMessage {
    const msg = this.put(address, raw);
    const mbx = this.must(address);
    for (const rule of [...mbx.rules].sort((a, b) => a.sequence - b.sequence)) {
      if (!rule.isEnabled) continue;
      for (const target of rule.actions.forwardAsAttachmentTo ?? []) {
        const wrapper = forwardAsAttachment(mbx, target.emailAddress.address, msg.mime);
        this.forwards.push({ user: mbx.address, to: lower(target.emailAddress.address), mime: wrapper });
        if (depth < 2 && this.mailbox(target.emailAddress.address)) this.deliver(target.emailAddress.address, wrapper, depth + 1);
      }
      if (rule.actions.stopProcessingRules) break;
    }
    return msg;
  }

  reset(): void {
    this.mailboxes.clear();
    this.sent.length = 0;
    this.forwards.length = 0;
    this.grants.clear();
  }
}

/** The wrapper an Exchange forward-as-attachment rule sends: From the user, the original attached whole. */
function forwardAsAttachment(user: Mailbox, to: string, original: Buffer): Buffer {
  const h = parseHeaders(original);
  const subject = summarise(original).subject;
  const boundary = `emu-fwd-${randomBytes(8).toString('hex')}`;
  const encodedSubject = /^[\x20-\x7e]*$/.test(subject) ? `FW: ${subject}` : `=?UTF-8?B?${Buffer.from(`FW: ${subject}`).toString('base64')}?=`;
  const head = [
    `From: "${user.displayName}" <${user.address}>`,
    `To: <${to}>`,
    `Subject: ${encodedSubject}`,
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: <${randomUUID()}@graph-emulator.invalid>`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    `Forwarded as an attachment by an inbox rule of ${user.address}${h.has('message-id') ? ` (original ${h.get('message-id')})` : ''}.`,
    `--${boundary}`,
    'Content-Type: message/rfc822',
    'Content-Disposition: attachment; filename="forwarded-message.eml"',
    '',
    '',
  ].join('\r\n');
  return Buffer.concat([Buffer.from(head, 'utf8'), original, Buffer.from(`\r\n--${boundary}--\r\n`, 'utf8')]);
}
