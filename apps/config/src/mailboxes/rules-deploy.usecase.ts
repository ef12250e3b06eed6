import { Inject, Injectable, Logger } from '@nestjs/common';
import { badRequest } from '@mailrouter/platform';
import { DeploymentRepository } from '../deployments/deployment.repository';
import { resolveEndpoint } from '../endpoints/endpoint-resolution';
import type { MailboxEntity } from '../entities';
import { ProfileRepository } from '../profiles/profile.repository';
import { CONFIG_SETTINGS, ConfigSettings } from '../settings';
import { badGateway, serviceUnavailable } from '../shared/http-errors';
import { ServicesRpcRepository } from '../shared/services-rpc.repository';
import { MailboxRepository } from './mailbox.repository';
import type { RulesDeployBody } from './mailbox.schemas';
import {
  chunked, chunkResults, inChosenOrder, planRuleDeployment, RuleResult, RuleSummary, RuleTarget, summarize,
} from './rules-deploy.plan';

/**
 * How long one chunk (≤ 100 mailboxes) may take, in test-access timeouts: incoming signs in to
 * each mailbox's server and writes one rule, a few at a time. (A setting of its own, e.g.
 * RULE_DEPLOY_TIMEOUT_SECONDS, would be better; settings.ts is not this change's.)
 */
const CHUNK_TIMEOUT_IN_TEST_ACCESS_TIMEOUTS = 4;

export interface RulesDeployView {
  forwardMailbox: { id: string; address: string };
  action: RulesDeployBody['action'];
  results: RuleResult[];
  summary: RuleSummary;
}

type ChunkOutcome = { results: RuleResult[]; answered: boolean; timedOut: boolean; message?: string };

/**
 * Rule deployment (the original's Rule Deployment Wizard): asks incoming, which holds the mail
 * adapters, to deploy or remove the server-side rule forwarding each user's mail to a forward
 * mailbox, and reports per mailbox what changed.
 */
@Injectable()
export class RulesDeployUseCase {
  private readonly log = new Logger(RulesDeployUseCase.name);

  constructor(
    private readonly mailboxes: MailboxRepository,
    private readonly deployments: DeploymentRepository,
    private readonly profiles: ProfileRepository,
    private readonly services: ServicesRpcRepository,
    @Inject(CONFIG_SETTINGS) private readonly settings: ConfigSettings,
  ) {}

  async run(body: RulesDeployBody): Promise<RulesDeployView> {
    const forward = await this.forwardMailbox(body.forwardMailboxId);
    const chosen = body.all ? await this.mailboxes.enabledUsers(forward.deploymentId) : await this.chosen(body.mailboxIds ?? []);
    const deployment = (await this.deployments.find(forward.deploymentId))!;
    const ids = [deployment.incomingProfileId, ...chosen.map((m) => m.incomingProfileId)].filter((id): id is string => !!id);
    const profiles = await this.profiles.findMany(ids);
    const byId = (id: string) => profiles.find((p) => p.id === id);
    const plan = planRuleDeployment(chosen, forward, (m) => resolveEndpoint('incoming', m, deployment, byId));

    const outcomes: ChunkOutcome[] = [];
    for (const chunk of chunked(plan.targets)) outcomes.push(await this.ask(body.action, forward.address, chunk));
    if (outcomes.length && outcomes.every((o) => !o.answered)) {
      const first = outcomes[0]!;
      if (outcomes.some((o) => o.timedOut)) throw serviceUnavailable(`the incoming service ${first.message}: no forward rule was ${body.action === 'deploy' ? 'deployed' : 'removed'}`);
      throw badGateway(`the incoming service ${first.message}`);
    }
    const results = inChosenOrder(chosen, [...plan.failures, ...outcomes.flatMap((o) => o.results)]);
    const summary = summarize(results);
    this.log.log(`forward rules ${body.action} → ${forward.address}: ${JSON.stringify(summary)}`);
    return { forwardMailbox: { id: forward.id, address: forward.address }, action: body.action, results, summary };
  }

  private async forwardMailbox(id: string): Promise<MailboxEntity> {
    const forward = await this.mailboxes.find(id);
    if (!forward) throw badRequest([{ field: 'forwardMailboxId', message: `no mailbox ${id}` }]);
    if (forward.kind !== 'forward') {
      throw badRequest([{ field: 'forwardMailboxId', message: `${forward.address} is a ${forward.kind} mailbox, not a forward mailbox` }]);
    }
    return forward;
  }

  /** The mailboxes named, in the order named (each once); an id naming none is the client's mistake. */
  private async chosen(ids: string[]): Promise<MailboxEntity[]> {
    const unique = [...new Set(ids)];
    const found = new Map((await this.mailboxes.findMany(unique)).map((m) => [m.id, m]));
    const missing = unique.map((id) => ids.indexOf(id)).filter((i) => !found.has(ids[i]!));
    if (missing.length) throw badRequest(missing.map((i) => ({ field: `mailboxIds.${i}`, message: `no mailbox ${ids[i]}` })));
    return unique.map((id) => found.get(id)!);
  }

  /** One chunk: incoming's results, or each mailbox failed with why incoming gave none. */
  private async ask(action: RulesDeployBody['action'], forwardAddress: string, chunk: RuleTarget[]): Promise<ChunkOutcome> {
    const seconds = this.settings.testAccessTimeoutSeconds * CHUNK_TIMEOUT_IN_TEST_ACCESS_TIMEOUTS;
    const answer = await this.services.ask('incomingRules', { action, forwardAddress, mailboxes: chunk }, seconds);
    if (answer.ok) return { results: chunkResults(chunk, answer.reply), answered: true, timedOut: false };
    const message = answer.timedOut ? answer.message : `answered with an error: ${answer.message}`;
    return {
      answered: false,
      timedOut: answer.timedOut,
      message,
      results: chunk.map((t) => ({ mailboxId: t.mailboxId, address: t.address, change: 'failed', message: `the incoming service ${message}` })),
    };
  }
}
