import { Injectable, Logger } from '@nestjs/common';
import type { RuleDeployReplyV1, RuleDeployRequestV1 } from '@mailrouter/contracts';
import { serverMessage } from '@mailrouter/mail-adapters';
import { MailServerRepository } from './mail-server.repository';

/** Rules deployed at once: each talks to a different mailbox, and the servers are not flooded. */
export const RULE_DEPLOY_CONCURRENCY = 4;

type RuleResult = RuleDeployReplyV1['results'][number];

/**
 * The Rule Deployment Wizard's work: for each user mailbox, the server-side rule forwarding its
 * mail to the forward mailbox is deployed (or removed) on the mailbox's own server — EWS inbox
 * rule, Graph message rule or Sieve script. Each mailbox gets its own answer; one failure does
 * not stop the others.
 */
@Injectable()
export class DeployRulesUseCase {
  private readonly log = new Logger(DeployRulesUseCase.name);

  constructor(private readonly servers: MailServerRepository) {}

  async execute(req: RuleDeployRequestV1): Promise<RuleDeployReplyV1> {
    const results: RuleResult[] = new Array(req.mailboxes.length);
    let next = 0;
    const worker = async () => {
      while (next < req.mailboxes.length) {
        const i = next++;
        results[i] = await this.one(req, req.mailboxes[i]);
      }
    };
    await Promise.all(Array.from({ length: Math.min(RULE_DEPLOY_CONCURRENCY, req.mailboxes.length) }, worker));
    return { results };
  }

  private async one(req: RuleDeployRequestV1, mb: RuleDeployRequestV1['mailboxes'][number]): Promise<RuleResult> {
    const base = { mailboxId: mb.mailboxId, address: mb.address };
    try {
      const { via, outcome } = await this.servers.applyForwardRule({ ...mb.endpoint, mailbox: mb.endpoint.mailbox ?? mb.address }, req.action, req.forwardAddress);
      this.log.log(`forward rule of ${mb.address} (${via}): ${outcome.change}`);
      return { ...base, via, change: outcome.change, message: outcome.message };
    } catch (err) {
      const message = serverMessage(err);
      this.log.warn(`forward rule of ${mb.address}: ${req.action} failed: ${message}`);
      return { ...base, change: 'failed', message };
    }
  }
}
