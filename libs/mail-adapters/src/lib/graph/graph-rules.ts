/**
 * The forward rule (the original's Rule Deployment Wizard) as an Outlook inbox messageRule through
 * Graph: forwardAsAttachmentTo the forward mailbox, found again by its displayName
 * (FORWARD_RULE_NAME), so deploying twice leaves one rule.
 * https://learn.microsoft.com/graph/api/resources/messagerule
 */
import type { ServerConnection } from '../endpoint';
import { FORWARD_RULE_NAME, type ForwardRuleOutcome } from '../rules/forward-rule';
import { GraphClient, type GraphOptions } from './graph-client';

interface MessageRule {
  id: string;
  displayName: string;
  isEnabled?: boolean;
  actions?: { forwardAsAttachmentTo?: { emailAddress?: { address?: string } }[] };
}

function rulesPath(client: GraphClient): string {
  return `${client.userPath()}/mailFolders/inbox/messageRules`;
}

async function ours(client: GraphClient): Promise<MessageRule[]> {
  const body = await client.json<{ value?: MessageRule[] }>({ path: rulesPath(client) });
  return (body?.value ?? []).filter((r) => r.displayName === FORWARD_RULE_NAME);
}

const targetOf = (r: MessageRule) => (r.actions?.forwardAsAttachmentTo ?? []).map((t) => t.emailAddress?.address?.toLowerCase() ?? '');

/** Creates or corrects `conn.mailbox`'s forward rule to `forwardAddress`. Throws GraphError/GraphTokenError with the server's words. */
export async function deployGraphForwardRule(conn: ServerConnection, forwardAddress: string, opts: GraphOptions = {}): Promise<ForwardRuleOutcome> {
  const client = new GraphClient(conn, conn.mailbox, opts);
  const forward = forwardAddress.trim().toLowerCase();
  if (!/^[^@\s]+@[^@\s]+$/.test(forward)) throw new Error(`"${forwardAddress}" is not an e-mail address to forward to`);
  const actions = { forwardAsAttachmentTo: [{ emailAddress: { address: forward } }], stopProcessingRules: false };
  const [first, ...extra] = await ours(client);
  // Duplicates (two deployers racing): keep one.
  for (const r of extra) await client.json({ method: 'DELETE', path: `${rulesPath(client)}/${encodeURIComponent(r.id)}` });
  const what = `inbox rule "${FORWARD_RULE_NAME}" of ${client.mailbox}: forward as attachment to ${forward}`;
  if (!first) {
    await client.json({ method: 'POST', path: rulesPath(client), json: { displayName: FORWARD_RULE_NAME, sequence: 1, isEnabled: true, actions } });
    return { change: 'created', message: `${what} created` };
  }
  const targets = targetOf(first);
  if (first.isEnabled !== false && targets.length === 1 && targets[0] === forward && !extra.length) return { change: 'unchanged', message: `${what} already in place` };
  await client.json({ method: 'PATCH', path: `${rulesPath(client)}/${encodeURIComponent(first.id)}`, json: { isEnabled: true, actions } });
  return { change: 'updated', message: `${what} updated` };
}

/** Removes `conn.mailbox`'s forward rule(s) to `forwardAddress` (another target's rule of ours stays). */
export async function removeGraphForwardRule(conn: ServerConnection, forwardAddress: string, opts: GraphOptions = {}): Promise<ForwardRuleOutcome> {
  const client = new GraphClient(conn, conn.mailbox, opts);
  const forward = forwardAddress.trim().toLowerCase();
  const matching = (await ours(client)).filter((r) => targetOf(r).includes(forward));
  for (const r of matching) await client.json({ method: 'DELETE', path: `${rulesPath(client)}/${encodeURIComponent(r.id)}` });
  return matching.length
    ? { change: 'removed', message: `inbox rule "${FORWARD_RULE_NAME}" of ${client.mailbox} forwarding to ${forward} removed` }
    : { change: 'absent', message: `${client.mailbox} had no inbox rule "${FORWARD_RULE_NAME}" forwarding to ${forward}` };
}
