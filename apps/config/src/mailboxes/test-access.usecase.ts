import { Inject, Injectable, Logger } from '@nestjs/common';
import type { TestResultV1 } from '@mailrouter/contracts';
import type { Direction } from '@mailrouter/domain';
import { DeploymentRepository } from '../deployments/deployment.repository';
import { resolveEndpoint, EndpointResolution } from '../endpoints/endpoint-resolution';
import { ProfileRepository } from '../profiles/profile.repository';
import { CONFIG_SETTINGS, ConfigSettings } from '../settings';
import { notFound } from '../shared/http-errors';
import { ServicesRpcRepository } from '../shared/services-rpc.repository';
import { MailboxRepository } from './mailbox.repository';
import { MailboxTestView } from './mailbox.view';

type Outcome = { status: TestResultV1['status']; message: string; testedAt: Date };

const RPC_OF = { incoming: 'incomingTestAccess', outgoing: 'outgoingTestAccess' } as const;

/**
 * Test access: tries the mailbox's incoming and outgoing access for real, through the
 * services that will use it, and keeps the results on the mailbox.
 */
@Injectable()
export class TestAccessUseCase {
  private readonly log = new Logger(TestAccessUseCase.name);

  constructor(
    private readonly mailboxes: MailboxRepository,
    private readonly deployments: DeploymentRepository,
    private readonly profiles: ProfileRepository,
    private readonly services: ServicesRpcRepository,
    @Inject(CONFIG_SETTINGS) private readonly settings: ConfigSettings,
  ) {}

  async run(mailboxId: string): Promise<MailboxTestView> {
    const mailbox = await this.mailboxes.find(mailboxId);
    if (!mailbox) throw notFound('mailbox', mailboxId);
    const deployment = (await this.deployments.find(mailbox.deploymentId))!;
    const ids = [mailbox.incomingProfileId, mailbox.outgoingProfileId, deployment.incomingProfileId, deployment.outgoingProfileId];
    const profiles = await this.profiles.findMany(ids.filter((id): id is string => !!id));
    const byId = (id: string) => profiles.find((p) => p.id === id);
    const [incoming, outgoing] = await Promise.all(
      (['incoming', 'outgoing'] as const).map((d) => this.test(d, mailbox.address, resolveEndpoint(d, mailbox, deployment, byId))),
    );
    await this.mailboxes.saveTestResults(mailbox.id, { incoming, outgoing });
    this.log.log(`test access ${mailbox.address}: incoming ${incoming.status}, outgoing ${outgoing.status}`);
    return { incoming: view(incoming), outgoing: view(outgoing) };
  }

  private async test(direction: Direction, mailboxAddress: string, resolved: EndpointResolution): Promise<Outcome> {
    if (resolved.problem || !resolved.endpoint) {
      return { status: resolved.problem?.status ?? 'not-run', message: resolved.problem?.message ?? '', testedAt: new Date() };
    }
    const seconds = this.settings.testAccessTimeoutSeconds;
    const answer = await this.services.ask(RPC_OF[direction], { mailboxAddress, endpoint: resolved.endpoint }, seconds);
    if (answer.ok) {
      const testedAt = answer.reply.testedAt ? new Date(answer.reply.testedAt) : new Date();
      return { status: answer.reply.status, message: answer.reply.message, testedAt: isNaN(testedAt.getTime()) ? new Date() : testedAt };
    }
    const message = answer.timedOut
      ? `the ${direction} service did not answer within ${seconds} s`
      : `the ${direction} service could not test access: ${answer.message}`;
    return { status: 'failure', message, testedAt: new Date() };
  }
}

function view(o: Outcome) {
  return { status: o.status, message: o.message, testedAt: o.testedAt.toISOString() };
}
