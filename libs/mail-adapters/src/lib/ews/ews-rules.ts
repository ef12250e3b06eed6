import { CreateRuleOperation, DeleteRuleOperation, EmailAddress, Rule, RuleOperation, SetRuleOperation } from 'ews-javascript-api';
import type { ServerConnection } from '../endpoint';
import { DEFAULT_COMMAND_TIMEOUT_MS } from '../incoming/mailbox-session';
import { FORWARD_RULE_NAME, ForwardRuleOutcome } from '../rules/forward-rule';
import { connectEws, EwsClient } from './ews-client';

/** The addresses a rule forwards as attachment to, lower-cased. */
function forwardTargets(rule: Rule): string[] {
  const list = rule.Actions.ForwardAsAttachmentToRecipients;
  return (list?.GetEnumerator() ?? []).map((a) => (a.Address ?? '').toLowerCase());
}

async function ourRules(client: EwsClient, timeoutMs: number): Promise<Rule[]> {
  const rules = await client.call(`EWS GetInboxRules of ${client.describe}`, timeoutMs, () => client.service.GetInboxRules(client.mailbox));
  return rules.GetEnumerator().filter((r) => r.DisplayName === FORWARD_RULE_NAME);
}

function apply(client: EwsClient, timeoutMs: number, operations: RuleOperation[]): Promise<void> {
  return client.call(`EWS UpdateInboxRules of ${client.describe}`, timeoutMs, () => client.service.UpdateInboxRules(operations, true, client.mailbox));
}

/**
 * Deploys the inbox rule "forward every message as an attachment to forwardAddress" in conn.mailbox
 * (the original's Rule Deployment Wizard, server side). Idempotent: finds its rule by name,
 * creates, updates or leaves it. Throws with the server's words.
 */
export async function deployEwsForwardRule(conn: ServerConnection, forwardAddress: string, timeoutMs = DEFAULT_COMMAND_TIMEOUT_MS): Promise<ForwardRuleOutcome> {
  const client = await connectEws(conn, { timeoutMs });
  const target = forwardAddress.toLowerCase();
  const [existing, ...duplicates] = await ourRules(client, timeoutMs);
  const cleanup = duplicates.map((d) => new DeleteRuleOperation(d.Id));
  const done = `inbox rule "${FORWARD_RULE_NAME}" forwards ${client.mailbox}'s mail as attachment to ${forwardAddress}`;
  if (existing && existing.IsEnabled && forwardTargets(existing).join(',') === target && !cleanup.length) {
    return { change: 'unchanged', message: `${done} (already in place)` };
  }
  const rule = existing ?? new Rule();
  rule.DisplayName = FORWARD_RULE_NAME;
  rule.Priority = existing?.Priority ?? 1;
  rule.IsEnabled = true;
  rule.Actions.ForwardAsAttachmentToRecipients.Clear();
  rule.Actions.ForwardAsAttachmentToRecipients.Add(new EmailAddress(forwardAddress));
  await apply(client, timeoutMs, [existing ? new SetRuleOperation(rule) : new CreateRuleOperation(rule), ...cleanup]);
  return existing ? { change: 'updated', message: `${done} (updated)` } : { change: 'created', message: `${done} (created)` };
}

/** Removes our rule(s) from conn.mailbox: removed, or absent when there was none. Throws with the server's words. */
export async function removeEwsForwardRule(conn: ServerConnection, forwardAddress: string, timeoutMs = DEFAULT_COMMAND_TIMEOUT_MS): Promise<ForwardRuleOutcome> {
  const client = await connectEws(conn, { timeoutMs });
  const rules = await ourRules(client, timeoutMs);
  if (!rules.length) return { change: 'absent', message: `no inbox rule "${FORWARD_RULE_NAME}" in ${client.mailbox}` };
  await apply(client, timeoutMs, rules.map((r) => new DeleteRuleOperation(r.Id)));
  return { change: 'removed', message: `inbox rule "${FORWARD_RULE_NAME}" (forward to ${forwardAddress}) removed from ${client.mailbox}` };
}
