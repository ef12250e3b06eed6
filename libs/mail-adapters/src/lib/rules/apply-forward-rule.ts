import type { ServerConnection } from '../endpoint';
import type { SecretKeys } from '@mailrouter/platform';
import { deployEwsForwardRule, removeEwsForwardRule } from '../ews/ews-rules';
import { deployGraphForwardRule, removeGraphForwardRule } from '../graph/graph-rules';
import { deploySieveForwardRule, removeSieveForwardRule } from '../sieve/sieve-forward-rule';
import type { ForwardRuleOutcome } from './forward-rule';

export type ForwardRuleVia = 'ews' | 'graph' | 'sieve';

/**
 * Deploys or removes a user mailbox's forward rule on the mailbox's own server: an EWS inbox
 * rule, a Graph message rule, or (IMAP/POP3 servers) a Sieve script over ManageSieve. Throws
 * with the server's words when the server refuses.
 */
export async function applyForwardRule(
  conn: ServerConnection, action: 'deploy' | 'remove', forwardAddress: string, secretKey: SecretKeys,
): Promise<{ via: ForwardRuleVia; outcome: ForwardRuleOutcome }> {
  switch (conn.protocol) {
    case 'ews':
      return { via: 'ews', outcome: action === 'deploy' ? await deployEwsForwardRule(conn, forwardAddress) : await removeEwsForwardRule(conn, forwardAddress) };
    case 'graph':
      return { via: 'graph', outcome: action === 'deploy' ? await deployGraphForwardRule(conn, forwardAddress) : await removeGraphForwardRule(conn, forwardAddress) };
    case 'imap':
    case 'pop3':
      return {
        via: 'sieve',
        outcome: action === 'deploy' ? await deploySieveForwardRule(conn, forwardAddress, secretKey) : await removeSieveForwardRule(conn, forwardAddress),
      };
    default:
      throw new Error(`no forward rules for ${conn.protocol} mailboxes`);
  }
}
