/**
 * A mailbox's Inbox through Microsoft Graph: the delta query lists what arrived since the saved
 * state (https://learn.microsoft.com/graph/delta-query-messages), /$value gives the MIME, PATCH
 * isRead marks it seen, DELETE puts it in Deleted Items, move files it in a folder.
 */
import type { ServerConnection } from '../endpoint';
import {
  graphKey, resolveSessionOptions, type FetchedMessage, type ListFilter, type MailboxSession, type MessageRef, type RemoteMessage,
} from '../incoming/mailbox-session';
import { GraphClient, GraphError, type GraphOptions } from './graph-client';

/** PidTagMessageSize as a Graph extended property: the size without downloading the message. */
const SIZE_PROPERTY = 'Integer 0x0E08';
/** Pages of one list call; past this the nextLink is the saved state and the next list goes on. */
export const MAX_DELTA_PAGES = 20;
export const DELTA_PAGE_SIZE = 100;

interface DeltaMessage {
  id: string;
  isRead?: boolean;
  '@removed'?: unknown;
  singleValueExtendedProperties?: { id: string; value: string }[];
}

interface DeltaPage {
  value?: DeltaMessage[];
  '@odata.nextLink'?: string;
  '@odata.deltaLink'?: string;
}

function sizeOf(m: DeltaMessage): number {
  const p = m.singleValueExtendedProperties?.find((x) => x.id.toLowerCase().replace('0x0e08', '0xe08') === 'integer 0xe08');
  const n = Number(p?.value);
  // Unknown (0): fetch() learns the real size while streaming and applies the limit there.
  return Number.isFinite(n) && n > 0 ? n : 0;
}

const isGone = (err: unknown) => err instanceof GraphError && err.status === 404;

class GraphSession implements MailboxSession {
  readonly protocol = 'graph' as const;
  readonly usesSyncState = true;
  syncState?: string;
  private readonly folderIds = new Map<string, string>();

  constructor(private readonly client: GraphClient, private readonly maxMessageBytes: number) {}

  private inbox(): string {
    return `${this.client.userPath()}/mailFolders/inbox`;
  }

  async list(filter: ListFilter): Promise<RemoteMessage[]> {
    if (!('sync' in filter)) throw new Error('a Graph session lists by sync state: list({ sync: <saved state or null> })');
    try {
      return await this.delta(filter.sync);
    } catch (err) {
      // An expired or unknown state (410 / SyncState*): start over; the service skips known keys.
      const stale = err instanceof GraphError && (err.status === 410 || /^SyncState/i.test(err.code ?? ''));
      if (!filter.sync || !stale) throw err;
      return this.delta(null);
    }
  }

  private async delta(from: string | null): Promise<RemoteMessage[]> {
    const select = encodeURIComponent('isRead,receivedDateTime,internetMessageId');
    const expand = encodeURIComponent(`singleValueExtendedProperties($filter=id eq '${SIZE_PROPERTY}')`);
    let link = from ?? `${this.inbox()}/messages/delta?$select=${select}&$expand=${expand}`;
    const found = new Map<string, RemoteMessage>();
    for (let page = 0; page < MAX_DELTA_PAGES; page++) {
      const body = await this.client.json<DeltaPage>({ path: link, headers: { Prefer: `odata.maxpagesize=${DELTA_PAGE_SIZE}` } });
      for (const m of body?.value ?? []) {
        // Removed or read since: not (or no longer) something to take.
        if (m['@removed'] || m.isRead !== false) found.delete(m.id);
        else found.set(m.id, { key: graphKey(m.id), itemId: m.id, size: sizeOf(m) });
      }
      const next = body?.['@odata.deltaLink'] ?? body?.['@odata.nextLink'];
      if (!next) throw new GraphError(`the delta of ${this.client.mailbox}'s Inbox answered no nextLink nor deltaLink`, 200, undefined, true);
      link = next;
      if (body?.['@odata.deltaLink']) break;
    }
    this.syncState = link;
    return [...found.values()];
  }

  async fetch(msg: RemoteMessage): Promise<FetchedMessage> {
    if (!msg.itemId) throw new Error('a Graph message needs its itemId (the Graph message id) to be fetched');
    if (msg.size > this.maxMessageBytes) return { status: 'too-large', size: msg.size };
    const path = `${this.client.userPath()}/messages/${encodeURIComponent(msg.itemId)}/$value`;
    try {
      return await this.client.send({ path, headers: { Accept: '*/*' } }, this.client.mailbox, (res) => this.readLimited(res));
    } catch (err) {
      if (isGone(err)) return { status: 'gone' };
      throw err;
    }
  }

  /** Reads the MIME, stopping as soon as it is over the limit (never holds more than that). */
  private async readLimited(res: Response): Promise<FetchedMessage> {
    const declared = Number(res.headers.get('content-length'));
    if (Number.isFinite(declared) && declared > this.maxMessageBytes) {
      await res.body?.cancel();
      return { status: 'too-large', size: declared };
    }
    const chunks: Buffer[] = [];
    let total = 0;
    const reader = res.body?.getReader();
    for (;;) {
      const part = reader ? await reader.read() : { done: true as const, value: undefined };
      if (part.done) break;
      total += part.value.byteLength;
      if (total > this.maxMessageBytes) {
        await reader?.cancel();
        return { status: 'too-large', size: total };
      }
      chunks.push(Buffer.from(part.value));
    }
    return { status: 'ok', raw: Buffer.concat(chunks) };
  }

  fetchMany(msgs: RemoteMessage[]): Promise<FetchedMessage[]> {
    // In parallel: the client's per-mailbox limit keeps it at 4 in flight.
    return Promise.all(msgs.map((m) => this.fetch(m)));
  }

  markSeen(msg: MessageRef): Promise<void> {
    return this.markSeenMany([msg]);
  }

  async markSeenMany(msgs: MessageRef[]): Promise<void> {
    await this.each(msgs, (id) => this.client.json({ method: 'PATCH', path: `${this.client.userPath()}/messages/${id}`, json: { isRead: true } }));
  }

  delete(msg: MessageRef): Promise<void> {
    return this.deleteMany([msg]);
  }

  /** DELETE moves the message to Deleted Items (what a user's delete does). */
  async deleteMany(msgs: MessageRef[]): Promise<void> {
    await this.each(msgs, (id) => this.client.json({ method: 'DELETE', path: `${this.client.userPath()}/messages/${id}` }));
  }

  async moveMany(msgs: MessageRef[], folder: string): Promise<void> {
    if (!msgs.length) return;
    const destinationId = await this.folderId(folder);
    await this.each(msgs, (id) => this.client.json({ method: 'POST', path: `${this.client.userPath()}/messages/${id}/move`, json: { destinationId } }));
  }

  /** Runs `op` on every message in parallel (limited per mailbox); a message already gone is done. */
  private async each(msgs: MessageRef[], op: (encodedId: string) => Promise<unknown>): Promise<void> {
    await Promise.all(msgs.map(async (m) => {
      if (!m.itemId) throw new Error('a Graph message needs its itemId (the Graph message id)');
      try {
        await op(encodeURIComponent(m.itemId));
      } catch (err) {
        if (!isGone(err)) throw err;
      }
    }));
  }

  /** The folder's id, `a/b` as nested folders under the mailbox root, each created when missing. */
  private async folderId(path: string): Promise<string> {
    const cached = this.folderIds.get(path);
    if (cached) return cached;
    let parent = `${this.client.userPath()}/mailFolders`;
    let id = '';
    for (const name of path.split('/').map((s) => s.trim()).filter(Boolean)) {
      id = await this.childFolder(parent, name);
      parent = `${this.client.userPath()}/mailFolders/${encodeURIComponent(id)}/childFolders`;
    }
    if (!id) throw new Error(`"${path}" is not a folder name`);
    this.folderIds.set(path, id);
    return id;
  }

  private async childFolder(collection: string, name: string): Promise<string> {
    const find = async () => {
      const filter = encodeURIComponent(`displayName eq '${name.replace(/'/g, "''")}'`);
      const body = await this.client.json<{ value?: { id: string }[] }>({ path: `${collection}?$filter=${filter}` });
      return body?.value?.[0]?.id;
    };
    const existing = await find();
    if (existing) return existing;
    try {
      const created = await this.client.json<{ id: string }>({ method: 'POST', path: collection, json: { displayName: name } });
      if (created?.id) return created.id;
    } catch (err) {
      // Created meanwhile by another session (409 ErrorFolderExists): take that one.
      if (!(err instanceof GraphError && err.status === 409)) throw err;
    }
    const again = await find();
    if (!again) throw new Error(`could not find or create the folder "${name}" in ${this.client.mailbox}`);
    return again;
  }

  async close(): Promise<void> {
    /* HTTP: nothing to log out of; the token stays cached for the process. */
  }

  abort(): void {
    this.client.abort();
  }
}

/**
 * Opens `conn.mailbox`'s Inbox over Graph: gets (or reuses) the app's token first, so bad
 * credentials or a failed tenant discovery fail here with Entra ID's words.
 */
export async function openGraphSession(conn: ServerConnection, opts: GraphOptions = {}): Promise<MailboxSession> {
  const client = new GraphClient(conn, conn.mailbox, opts);
  await client.token();
  return new GraphSession(client, resolveSessionOptions(opts).maxMessageBytes);
}
