import type { MailEndpointV1, RuleDeployReplyV1, RuleDeployRequestV1 } from '@mailrouter/contracts';
import { RULE_CHANGES } from '@mailrouter/contracts';
import type { MailboxKind } from '@mailrouter/domain';
import type { EndpointResolution } from '../endpoints/endpoint-resolution';

/** Incoming is asked about this many mailboxes at a time (the contract takes up to 500). */
export const RULE_DEPLOY_CHUNK = 100;

export type RuleResult = RuleDeployReplyV1['results'][number];
export type RuleTarget = RuleDeployRequestV1['mailboxes'][number];
export type RuleSummary = Record<(typeof RULE_CHANGES)[number], number>;

export interface ChosenMailbox {
  id: string;
  address: string;
  kind: MailboxKind;
  deploymentId: string;
}

/**
 * Splits the chosen mailboxes into those incoming can deploy a rule for (a user mailbox of the
 * forward mailbox's deployment with an incoming endpoint) and those it cannot, with the reason.
 */
export function planRuleDeployment<M extends ChosenMailbox>(
  chosen: M[],
  forward: { id: string; deploymentId: string },
  resolve: (m: M) => EndpointResolution,
): { targets: RuleTarget[]; failures: RuleResult[] } {
  const targets: RuleTarget[] = [];
  const failures: RuleResult[] = [];
  const fail = (m: M, message: string) => failures.push({ mailboxId: m.id, address: m.address, change: 'failed', message });
  for (const m of chosen) {
    if (m.id === forward.id) fail(m, 'this is the forward mailbox itself');
    else if (m.kind !== 'user') fail(m, `a ${m.kind} mailbox gets no forward rule: only users' mailboxes do`);
    else if (m.deploymentId !== forward.deploymentId) fail(m, "belongs to another deployment than the forward mailbox");
    else {
      const resolved = resolve(m);
      const endpoint: MailEndpointV1 | undefined = resolved.problem ? undefined : resolved.endpoint;
      if (endpoint) targets.push({ mailboxId: m.id, address: m.address, endpoint });
      else fail(m, `no usable incoming access: ${resolved.problem?.message ?? 'no incoming endpoint'}`);
    }
  }
  return { targets, failures };
}

export function chunked<T>(items: T[], size = RULE_DEPLOY_CHUNK): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/**
 * Incoming's results for one chunk, one per mailbox asked about (in the order asked): a mailbox
 * incoming did not answer for is failed, never silently dropped.
 */
export function chunkResults(asked: RuleTarget[], reply: RuleDeployReplyV1): RuleResult[] {
  const byId = new Map(reply.results.map((r) => [r.mailboxId, r]));
  return asked.map((t) => {
    const r = byId.get(t.mailboxId);
    return r
      ? { ...r, address: t.address }
      : { mailboxId: t.mailboxId, address: t.address, change: 'failed' as const, message: 'the incoming service gave no result for this mailbox' };
  });
}

export function summarize(results: RuleResult[]): RuleSummary {
  const summary = Object.fromEntries(RULE_CHANGES.map((c) => [c, 0])) as RuleSummary;
  for (const r of results) summary[r.change] += 1;
  return summary;
}

/** Orders results as the mailboxes were chosen. */
export function inChosenOrder(chosen: { id: string }[], results: RuleResult[]): RuleResult[] {
  const rank = new Map(chosen.map((m, i) => [m.id, i]));
  return [...results].sort((a, b) => (rank.get(a.mailboxId) ?? 0) - (rank.get(b.mailboxId) ?? 0));
}
