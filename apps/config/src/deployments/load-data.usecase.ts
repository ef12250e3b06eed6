import { Inject, Injectable, Logger } from '@nestjs/common';
import { CONFIG_SETTINGS, ConfigSettings } from '../settings';
import { MailboxRepository } from '../mailboxes/mailbox.repository';
import { mailboxView, MailboxView } from '../mailboxes/mailbox.view';
import { badGateway, notFound, serviceUnavailable } from '../shared/http-errors';
import { ServicesRpcRepository } from '../shared/services-rpc.repository';
import { crmConnectionOf } from './deployment-crm';
import { DeploymentRepository } from './deployment.repository';
import { LoadDataPlan, planLoadData } from './load-data.plan';

export interface LoadDataResult {
  created: MailboxView[];
  updated: MailboxView[];
  unchanged: number;
  /** CRM records that could not become mailboxes, with why. */
  skipped: LoadDataPlan['skipped'];
}

@Injectable()
export class LoadDataUseCase {
  private readonly log = new Logger(LoadDataUseCase.name);

  constructor(
    private readonly deployments: DeploymentRepository,
    private readonly mailboxes: MailboxRepository,
    private readonly services: ServicesRpcRepository,
    @Inject(CONFIG_SETTINGS) private readonly settings: ConfigSettings,
  ) {}

  async run(deploymentId: string): Promise<LoadDataResult> {
    const deployment = await this.deployments.find(deploymentId);
    if (!deployment) throw notFound('deployment', deploymentId);
    const answer = await this.services.ask(
      'crmLoadData',
      { deploymentId: deployment.id, crm: crmConnectionOf(deployment) },
      this.settings.loadDataTimeoutSeconds,
    );
    if (!answer.ok) {
      if (answer.timedOut) throw serviceUnavailable(`the CRM (crm-sync) ${answer.message}: load data did not run`);
      throw badGateway(`the CRM (crm-sync) answered load data with an error: ${answer.message}`);
    }
    const existing = await this.mailboxes.list(deployment.id);
    const plan = planLoadData(existing, answer.reply.records);
    const { created, updated } = await this.mailboxes.applyLoadData(deployment.id, plan);
    this.log.log(
      `load data for deployment '${deployment.name}': ${created.length} created, ${updated.length} updated, ` +
        `${plan.unchanged} unchanged, ${plan.skipped.length} skipped`,
    );
    return { created: created.map(mailboxView), updated: updated.map(mailboxView), unchanged: plan.unchanged, skipped: plan.skipped };
  }
}
