/**
 * The server-side rule that forwards a user's incoming mail to a forward mailbox (the original's
 * Rule Deployment Wizard). Each protocol's deployer is idempotent: it finds its rule by name.
 */

/** The name every deployed rule carries; deployers recognise their own rule by it. */
export const FORWARD_RULE_NAME = 'MailRouter forward to CRM';

export type ForwardRuleChange = 'created' | 'updated' | 'unchanged' | 'removed' | 'absent';

export interface ForwardRuleOutcome {
  change: ForwardRuleChange;
  /** What was done, for the admin ("inbox rule created: forward as attachment to crm@…"). */
  message: string;
}
