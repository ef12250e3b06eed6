import { createHash } from 'node:crypto';
import type { IncomingProtocol } from '@mailrouter/domain';
import type { AccessCheck, ServerConnection } from '../endpoint';

/** Time to open a connection (TCP, TLS, greeting, login). */
export const DEFAULT_CONNECT_TIMEOUT_MS = 15_000;
/** Time any one command may take (a FETCH/RETR of a large message included). */
export const DEFAULT_COMMAND_TIMEOUT_MS = 60_000;
/** Larger messages are reported as too large and never read into memory. */
export const DEFAULT_MAX_MESSAGE_BYTES = 50 * 1024 * 1024;

export interface SessionOptions {
  connectTimeoutMs?: number;
  commandTimeoutMs?: number;
  maxMessageBytes?: number;
}

export interface ResolvedSessionOptions {
  connectTimeoutMs: number;
  commandTimeoutMs: number;
  maxMessageBytes: number;
}

export function resolveSessionOptions(o: SessionOptions = {}): ResolvedSessionOptions {
  return {
    connectTimeoutMs: o.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    commandTimeoutMs: o.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
    maxMessageBytes: o.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
  };
}

/** A message on the server, as the session lists it. */
export interface RemoteMessage {
  /** Protocol-level natural key: `imap:<uidvalidity>:<uid>`, `pop3:<uidl>`, `ews:<hash of ItemId>`, `graph:<hash of id>`. */
  key: string;
  /** IMAP UID. */
  uid?: number;
  /** POP3 unique id. */
  uidl?: string;
  /** EWS ItemId / Graph message id: what settling addresses the message by. */
  itemId?: string;
  /** Size in octets as the server reports it. */
  size: number;
}

/** A message to act on: what the service stored about it is enough. */
export type MessageRef = Pick<RemoteMessage, 'uid' | 'uidl' | 'itemId'>;

export type FetchedMessage =
  | { status: 'ok'; raw: Buffer }
  | { status: 'too-large'; size: number }
  | { status: 'gone' };

/**
 * Which messages to list. POP3 has no flags and no ordering: it lists all. EWS/Graph (`usesSyncState`)
 * take `sync`: the unread messages created or changed since that sync state (null: the first sync,
 * every unread message in the Inbox); the state to continue from is then `syncState`.
 */
export type ListFilter = { all: true } | { unseen: true } | { afterUid: number } | { sync: string | null };

/**
 * One open connection to one mailbox's INBOX. The service drives it without knowing the
 * protocol; `cursor` is present when the protocol has one (IMAP).
 */
export interface MailboxSession {
  readonly protocol: IncomingProtocol;
  /** IMAP: INBOX's UIDVALIDITY and the highest UID that existed when it was opened. */
  readonly cursor?: { uidValidity: number; highestUid: number };
  /** EWS/Graph: the cursor is a server sync state (SyncFolderItems state, Graph delta link). */
  readonly usesSyncState?: boolean;
  /**
   * EWS/Graph: after `list({ sync })`, the sync state that continues past every listed message;
   * the service saves it only once all of them are stored (a re-list finds them again, and the
   * service recognises them by key).
   */
  readonly syncState?: string;
  list(filter: ListFilter): Promise<RemoteMessage[]>;
  /** The raw RFC 5322 bytes, without marking the message seen. */
  fetch(msg: RemoteMessage): Promise<FetchedMessage>;
  /**
   * Several messages at once (IMAP: one UID FETCH over the UID set), in the order given;
   * a message the server no longer has is `gone`, one over the size limit `too-large`.
   */
  fetchMany(msgs: RemoteMessage[]): Promise<FetchedMessage[]>;
  /** IMAP: add \Seen. POP3: nothing (POP3 has no flags). */
  markSeen(msg: MessageRef): Promise<void>;
  /** IMAP: \Deleted + UID EXPUNGE. POP3: DELE, committed by close(). */
  delete(msg: MessageRef): Promise<void>;
  /** markSeen of several messages (IMAP: one UID STORE over the UID set). */
  markSeenMany(msgs: MessageRef[]): Promise<void>;
  /** delete of several messages (IMAP: one UID STORE + one UID EXPUNGE over the UID set). */
  deleteMany(msgs: MessageRef[]): Promise<void>;
  /** IMAP/EWS/Graph: move the messages to `folder` (created when missing). Absent: the protocol cannot (POP3). */
  moveMany?(msgs: MessageRef[], folder: string): Promise<void>;
  /** Logs out (POP3: QUIT commits deletions). */
  close(): Promise<void>;
  /** Drops the connection without committing anything. */
  abort(): void;
}

export function imapKey(uidValidity: number, uid: number): string {
  return `imap:${uidValidity}:${uid}`;
}
export function pop3Key(uidl: string): string {
  return `pop3:${uidl}`;
}
/** EWS ItemIds and Graph ids are long base64: the key carries a hash of it (the id itself is kept beside). */
export function ewsKey(itemId: string): string {
  return `ews:${createHash('sha256').update(itemId).digest('hex').slice(0, 40)}`;
}
export function graphKey(id: string): string {
  return `graph:${createHash('sha256').update(id).digest('hex').slice(0, 40)}`;
}

/**
 * The server no longer accepts a saved sync state (EWS ErrorInvalidSyncStateData, Graph 410 Gone /
 * SyncStateNotFound): the caller syncs again from the start; messages it already has are
 * recognised by their keys.
 */
export function isExpiredSyncState(err: unknown): boolean {
  const e = err as { ewsCode?: unknown; status?: unknown; code?: unknown } | undefined;
  return e?.ewsCode === 'ErrorInvalidSyncStateData' || e?.status === 410 || e?.code === 'SyncStateNotFound' || e?.code === 'syncStateNotFound';
}

/** Rejects with `what timed out after N ms` and runs `onTimeout` (which should drop the socket). */
export async function withTimeout<T>(what: string, ms: number, work: Promise<T>, onTimeout: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(Object.assign(new Error(`${what} timed out after ${ms} ms`), { code: 'ETIMEDOUT' }));
    }, ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The server's own words for a failure when there are any, otherwise the error's message. */
export function serverMessage(err: unknown): string {
  const e = err as { responseText?: unknown; serverResponse?: unknown; message?: unknown; code?: unknown } | undefined;
  if (e && typeof e.responseText === 'string' && e.responseText.trim()) return e.responseText.trim();
  const msg = e && typeof e.message === 'string' ? e.message : String(err);
  return msg.trim() || (typeof e?.code === 'string' ? e.code : 'unknown error');
}

export type { AccessCheck, ServerConnection };
