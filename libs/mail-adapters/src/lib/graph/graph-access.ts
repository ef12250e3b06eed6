/**
 * Test access over Microsoft Graph, as the admin's "Test Access" does: a token for the app, then
 * the mailbox's Inbox (incoming) or Sent Items (outgoing). A failure says which step failed, in
 * the words of Entra ID or Graph.
 */
import type { AccessCheck, ServerConnection } from '../endpoint';
import { GraphClient, GraphError, type GraphOptions } from './graph-client';
import { GraphTokenError } from './graph-token';

/** Test access answers quickly: one retry at most, short backoff. */
const ACCESS_RETRY = { maxAttempts: 2, backoffBaseMs: 500, backoffMaxMs: 2_000, maxRetryAfterMs: 10_000 };

export async function testGraphAccess(conn: ServerConnection, direction: 'incoming' | 'outgoing', opts: GraphOptions = {}): Promise<AccessCheck> {
  const mailbox = direction === 'outgoing' && conn.sendAccess === 'on-behalf' ? conn.sendingAccount : conn.mailbox;
  let client: GraphClient;
  try {
    client = new GraphClient(conn, mailbox, { ...opts, retry: { ...ACCESS_RETRY, ...opts.retry } });
  } catch (err) {
    return { status: 'failure', message: (err as Error).message };
  }
  try {
    await client.token();
  } catch (err) {
    return { status: 'failure', message: err instanceof GraphTokenError ? err.message : `could not get a Graph token: ${(err as Error).message}` };
  }
  const folder = direction === 'outgoing' ? 'sentitems' : 'inbox';
  try {
    await client.json({ path: `${client.userPath()}/mailFolders/${folder}?$select=id,displayName` });
    return { status: 'success', message: `${direction === 'outgoing' ? 'Sent Items' : 'Inbox'} of ${client.mailbox} reached through Microsoft Graph at ${client.baseUrl}` };
  } catch (err) {
    return { status: 'failure', message: describe(err, client, direction) };
  }
}

function describe(err: unknown, client: GraphClient, direction: string): string {
  if (!(err instanceof GraphError)) return (err as Error)?.message ?? String(err);
  const where = `Graph at ${client.baseUrl}`;
  if (err.status === undefined) return `${where} is unreachable: ${err.message}`;
  switch (err.code) {
    case 'ErrorInvalidUser':
    case 'MailboxNotEnabledForRESTAPI':
    case 'ResourceNotFound':
      return `mailbox ${client.mailbox} not found: ${err.message}`;
    case 'ErrorAccessDenied':
    case 'Authorization_RequestDenied':
    case 'AccessDenied':
      return `access denied to ${client.mailbox} (${direction}): ${err.message}`;
  }
  if (err.status === 404 || (err.status === 400 && !err.code)) return `${where} answered ${err.status}: is the base URL right (…/v1.0)? ${err.message}`;
  if (err.status === 401 || err.status === 403) return `access denied to ${client.mailbox} (${direction}): ${err.message}`;
  return err.message;
}
