/**
 * The Outlook mail slice of Graph v1.0 the EMULATOR serves, per user mailbox.
 * Docs followed: https://learn.microsoft.com/graph/api/resources/message ,
 * …/api/message-delta , …/api/message-get (and /$value), …/api/message-update , …/api/message-move ,
 * …/api/message-delete , …/api/mailfolder-get , …/api/user-list-mailfolders , …/api/user-post-mailfolders ,
 * …/api/mailfolder-list-childfolders , …/api/user-sendmail , …/api/mailfolder-list-messagerules .
 */
import { handleMessageRules, handleSendMail } from './mail-send-rules';
import {
  ApiResponse, expandsSize, folderJson, graphError, itemNotFound, messageJson, project,
} from './graph-json';
import type { EmulatorApp, Folder, GraphStore, Mailbox } from './store';

export interface ApiRequest {
  method: string;
  /** Path segments after `/v1.0/`, URL-decoded. */
  segments: string[];
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  app: EmulatorApp;
  /** `http://host:port/v1.0`, for @odata links. */
  baseUrl: string;
}

/** The mailbox a `/users/{id}/…` request addresses, or undefined (not a mailbox request). */
export function mailboxOf(segments: string[]): string | undefined {
  return segments[0] === 'users' && segments[1] ? segments[1].toLowerCase() : undefined;
}

export function handleGraph(store: GraphStore, req: ApiRequest): ApiResponse {
  const user = mailboxOf(req.segments);
  if (!user) return graphError(400, 'BadRequest', `Resource not found for the segment '${req.segments[0] ?? ''}'.`);
  const mbx = store.mailbox(user);
  if (!mbx) return graphError(404, 'ErrorInvalidUser', `The requested user '${user}' is invalid.`);
  if (!mbx.mailboxEnabled) return graphError(404, 'MailboxNotEnabledForRESTAPI', 'The mailbox is either inactive, soft-deleted, or is hosted on-premise.');
  if (req.app.allowedMailboxes && !req.app.allowedMailboxes.includes(mbx.address)) {
    return graphError(403, 'ErrorAccessDenied', 'Access to OData is disabled: [RAOP] : Blocked by tenant configured AppOnly AccessPolicy settings.');
  }
  const rest = req.segments.slice(2);
  if (rest[0] === 'sendMail' && rest.length === 1 && req.method === 'POST') return handleSendMail(store, mbx, req);
  if (rest[0] === 'mailFolders') return folders(store, mbx, rest.slice(1), req);
  if (rest[0] === 'messages' && rest[1]) return message(store, mbx, rest[1], rest.slice(2), req);
  return graphError(400, 'BadRequest', `Resource not found for the segment '${rest[0] ?? ''}'.`);
}

function folderOf(mbx: Mailbox, idOrName: string): Folder | undefined {
  const key = idOrName.toLowerCase();
  return mbx.folders.get(idOrName) ?? [...mbx.folders.values()].find((f) => f.wellKnownName === key);
}

function json<T>(req: ApiRequest): T | undefined {
  try {
    return JSON.parse(req.body.toString('utf8') || '{}') as T;
  } catch {
    return undefined;
  }
}

function folders(store: GraphStore, mbx: Mailbox, rest: string[], req: ApiRequest): ApiResponse {
  if (rest.length === 0) return folderCollection(store, mbx, mbx.rootFolderId, req);
  const folder = folderOf(mbx, rest[0]);
  if (!folder) return itemNotFound();
  const [, sub, third] = rest;
  if (sub === undefined && req.method === 'GET') return { status: 200, json: folderJson(mbx, folder) };
  if (sub === 'childFolders' && rest.length === 2) return folderCollection(store, mbx, folder.id, req);
  if (sub === 'messages' && third === 'delta' && rest.length === 3 && req.method === 'GET') return delta(store, mbx, folder, req);
  if (sub === 'messageRules') return folder.wellKnownName === 'inbox' ? handleMessageRules(store, mbx, rest.slice(2), req) : itemNotFound();
  return graphError(405, 'ErrorInvalidRequest', `The OData request is not supported: ${req.method} mailFolders/${rest.slice(1).join('/')}.`);
}

function folderCollection(store: GraphStore, mbx: Mailbox, parentId: string, req: ApiRequest): ApiResponse {
  if (req.method === 'POST') {
    const body = json<{ displayName?: unknown }>(req);
    if (!body || typeof body.displayName !== 'string' || !body.displayName.trim()) return graphError(400, 'ErrorInvalidRequest', 'The displayName property is required.');
    const name = body.displayName;
    if ([...mbx.folders.values()].some((f) => f.parentFolderId === parentId && f.displayName.toLowerCase() === name.toLowerCase())) {
      return graphError(409, 'ErrorFolderExists', 'A folder with the specified name already exists.');
    }
    return { status: 201, json: folderJson(mbx, store.createFolder(mbx.address, name, parentId)) };
  }
  if (req.method !== 'GET') return graphError(405, 'ErrorInvalidRequest', `${req.method} is not supported on a folder collection.`);
  let list = [...mbx.folders.values()].filter((f) => f.parentFolderId === parentId);
  const filter = req.query.get('$filter');
  if (filter) {
    const m = /^displayName eq '((?:[^']|'')*)'$/.exec(filter.trim());
    if (!m) return graphError(400, 'ErrorInvalidUrlQueryFilter', `The emulator only filters folders by "displayName eq '…'" (got ${filter}).`);
    const wanted = m[1].replace(/''/g, "'").toLowerCase();
    list = list.filter((f) => f.displayName.toLowerCase() === wanted);
  }
  return { status: 200, json: { '@odata.context': `${req.baseUrl}/$metadata#users('${mbx.address}')/mailFolders`, value: list.map((f) => folderJson(mbx, f)) } };
}

interface DeltaState {
  /** Changes after this sequence (-1: the initial round, every message in the folder). */
  since: number;
  /** The round's upper bound: the store's sequence when the round started. */
  upto: number;
  /** Within a round: the last sequence already returned. */
  after?: number;
  select: string | null;
  expand: string | null;
}

const encodeState = (s: DeltaState) => Buffer.from(JSON.stringify(s)).toString('base64url');

/** https://learn.microsoft.com/graph/delta-query-messages — rounds of nextLink pages ending in a deltaLink. */
function delta(store: GraphStore, mbx: Mailbox, folder: Folder, req: ApiRequest): ApiResponse {
  let state: DeltaState;
  const token = req.query.get('$deltatoken') ?? req.query.get('$skiptoken');
  try {
    state = token
      ? (JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as DeltaState)
      : { since: -1, upto: 0, select: req.query.get('$select'), expand: req.query.get('$expand') };
  } catch {
    return graphError(400, 'SyncStateInvalid', 'The sync state is invalid or malformed.');
  }
  if (req.query.has('$deltatoken') || !token) state = { ...state, since: token ? state.upto : -1, upto: store.currentSeq, after: undefined };
  const prefer = String(req.headers.prefer ?? '');
  const pageSize = Math.max(1, Math.min(1000, Number(/odata\.maxpagesize=(\d+)/.exec(prefer)?.[1] ?? 10)));
  const after = state.after ?? state.since;
  type Change = { seq: number; item: Record<string, unknown> };
  const changes: Change[] = [];
  for (const m of mbx.messages.values()) {
    if (m.folderId === folder.id && m.changeSeq > after && m.changeSeq <= state.upto) {
      changes.push({ seq: m.changeSeq, item: { '@odata.type': '#microsoft.graph.message', ...project(messageJson(m, expandsSize(state.expand)), state.select) } });
    }
  }
  if (state.since >= 0) {
    for (const t of mbx.tombstones) {
      if (t.folderId === folder.id && t.seq > after && t.seq <= state.upto) changes.push({ seq: t.seq, item: { '@odata.type': '#microsoft.graph.message', id: t.id, '@removed': { reason: 'deleted' } } });
    }
  }
  changes.sort((a, b) => a.seq - b.seq);
  const page = changes.slice(0, pageSize);
  const link = `${req.baseUrl}/users/${encodeURIComponent(mbx.address)}/mailFolders/${encodeURIComponent(req.segments[3])}/messages/delta`;
  const more = changes.length > pageSize;
  const next = more
    ? { '@odata.nextLink': `${link}?$skiptoken=${encodeState({ ...state, after: page[page.length - 1].seq })}` }
    : { '@odata.deltaLink': `${link}?$deltatoken=${encodeState({ ...state, after: undefined })}` };
  return { status: 200, json: { '@odata.context': `${req.baseUrl}/$metadata#Collection(message)`, value: page.map((c) => c.item), ...next } };
}

function message(store: GraphStore, mbx: Mailbox, id: string, rest: string[], req: ApiRequest): ApiResponse {
  const msg = mbx.messages.get(id);
  if (!msg) return itemNotFound();
  if (rest.length === 0 && req.method === 'GET') {
    return { status: 200, json: project(messageJson(msg, expandsSize(req.query.get('$expand'))), req.query.get('$select')) };
  }
  if (rest.length === 1 && rest[0] === '$value' && req.method === 'GET') return { status: 200, raw: { contentType: 'text/plain', body: msg.mime } };
  if (rest.length === 0 && req.method === 'PATCH') {
    const body = json<{ isRead?: unknown }>(req);
    if (!body || (body.isRead !== undefined && typeof body.isRead !== 'boolean')) return graphError(400, 'ErrorInvalidRequest', 'isRead must be a boolean.');
    const updated = store.update(mbx.address, id, { isRead: body.isRead as boolean | undefined });
    return { status: 200, json: messageJson(updated ?? msg) };
  }
  if (rest.length === 0 && req.method === 'DELETE') {
    const deleted = folderOf(mbx, 'deleteditems');
    if (!deleted || msg.folderId === deleted.id) {
      mbx.messages.delete(id);
      mbx.tombstones.push({ id, folderId: msg.folderId, seq: store.nextSeq() });
    } else {
      store.move(mbx.address, id, deleted.id);
    }
    return { status: 204 };
  }
  if (rest.length === 1 && rest[0] === 'move' && req.method === 'POST') {
    const body = json<{ destinationId?: unknown }>(req);
    if (!body || typeof body.destinationId !== 'string') return graphError(400, 'ErrorInvalidRequest', 'destinationId is required.');
    const target = folderOf(mbx, body.destinationId);
    if (!target) return graphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
    return { status: 201, json: messageJson(store.move(mbx.address, id, target.id)) };
  }
  return graphError(405, 'ErrorInvalidRequest', `The OData request is not supported: ${req.method} messages/{id}/${rest.join('/')}.`);
}
