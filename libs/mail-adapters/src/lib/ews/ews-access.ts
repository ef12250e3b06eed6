import { Folder, PropertySet, WellKnownFolderName } from 'ews-javascript-api';
import type { AccessCheck, ServerConnection } from '../endpoint';
import { DEFAULT_CONNECT_TIMEOUT_MS } from '../incoming/mailbox-session';
import { connectEws, EwsCallError, ewsError } from './ews-client';

export interface EwsAccessOptions {
  timeoutMs?: number;
}

/**
 * Tries the access for real. incoming: GetFolder Inbox of the mailbox; outgoing: GetFolder of the
 * Sent Items the sender saves to (the user's for send-as, the sending account's for on-behalf).
 * Failures carry the server's words, the URL, and name Autodiscover or TLS when they are the cause.
 */
export async function testEwsAccess(conn: ServerConnection, direction: 'incoming' | 'outgoing', opts: EwsAccessOptions = {}): Promise<AccessCheck> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const onBehalf = direction === 'outgoing' && conn.sendAccess === 'on-behalf';
  const folderName = direction === 'incoming' ? 'Inbox' : 'Sent Items';
  try {
    if (onBehalf && !conn.sendingAccount) throw new EwsCallError('sending on behalf needs the sending account (sendingAccount)', 'config');
    const client = await connectEws(conn, { timeoutMs, ...(onBehalf ? { mailbox: conn.sendingAccount, ownMailbox: true } : {}) });
    const folder = await client.call(`EWS GetFolder ${folderName} of ${client.mailbox} on ${client.url}`, timeoutMs, () =>
      Folder.Bind(client.service, client.folder(direction === 'incoming' ? WellKnownFolderName.Inbox : WellKnownFolderName.SentItems), PropertySet.FirstClassProperties));
    const count = direction === 'incoming' ? ` (${folder.TotalCount} messages, ${folder.UnreadCount} unread)` : '';
    return { status: 'success', message: `EWS opened ${folderName} of ${client.describe} on ${client.url}${count}` };
  } catch (err) {
    const failure = err instanceof EwsCallError ? err : ewsError(err, undefined, 'EWS access test');
    return { status: 'failure', message: failure.message };
  }
}
