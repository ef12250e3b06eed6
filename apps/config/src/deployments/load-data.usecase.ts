import { Inject, Injectable, Logger } from '@nestjs/common';
import { MailboxEntity } from '../entities';
import { CONFIG_SETTINGS, ConfigSettings } from '../settings';
import { MailboxRepository } from '../mailboxes/mailbox.repository';
import { mailboxView, MailboxView } from '../mailboxes/mailbox.view';
import { badGateway, notFound, serviceUnavailable } from '../shared/http-errors';
import { ServicesRpcRepository } from '../shared/services-rpc.repository';
import { crmConnectionOf } from './deployment-crm';
import { DeploymentRepository } from './deployment.repository';
import { LoadDataPlan, planLoadData } from './load-data.plan';

/** A mailbox a dry run would create: not stored, so no id and no dates yet. */
export type PlannedMailboxView = Omit<MailboxView, 'id' | 'createdAt' | 'updatedAt'> & { id: null; createdAt: null; updatedAt: null };

export interface LoadDataResult {
  /** True for a preview: nothing was written. */
  dryRun: boolean;
  created: (MailboxView | PlannedMailboxView)[];
  /** Each updated mailbox as it is (or, in a dry run, would be) after the update, with the fields that change. */
  updated: (MailboxView & { changed: string[] })[];
  unchanged: number;
  /** CRM records that could not become mailboxes, with why. */
  skipped: LoadDataPlan['skipped'];
}

/** What applying `plan` would produce, built in memory from the stored mailboxes. */
function preview(
  deploymentId: string, existing: MailboxEntity[], plan: LoadDataPlan, changedOf: (id: string) => string[],
): Omit<LoadDataResult, 'dryRun'> {
  const created = plan.create.map((c): PlannedMailboxView => {
    // The same defaults applyLoadData stores: enabled, no credentials or profile overrides, tests not run.
    const planned = Object.assign(new MailboxEntity(), {
      id: '', deploymentId, kind: c.kind, address: c.address, crmId: c.crmId, name: c.name, enabled: true,
      deleteAfterProcessing: false, username: null, password: null, incomingProfileId: null, outgoingProfileId: null,
      incomingTestStatus: 'not-run', incomingTestMessage: '', incomingTestedAt: null,
      outgoingTestStatus: 'not-run', outgoingTestMessage: '', outgoingTestedAt: null,
      createdAt: new Date(0), updatedAt: new Date(0),
    });
    return { ...mailboxView(planned), id: null, createdAt: null, updatedAt: null };
  });
  const updated = plan.update.map((u) => {
    const current = existing.find((m) => m.id === u.id)!;
    return { ...mailboxView(Object.assign(new MailboxEntity(), current, u.changes)), changed: changedOf(u.id) };
  });
  return { created, updated, unchanged: plan.unchanged, skipped: plan.skipped };
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

  /** With `dryRun`, asks the CRM and plans exactly as a real run, and writes nothing. */
  async run(deploymentId: string, dryRun = false): Promise<LoadDataResult> {
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
    const changedOf = (id: string) => Object.keys(plan.update.find((u) => u.id === id)?.changes ?? {}).sort();
    if (dryRun) return { dryRun, ...preview(deployment.id, existing, plan, changedOf) };
    const { created, updated } = await this.mailboxes.applyLoadData(deployment.id, plan);
    this.log.log(
      `load data for deployment '${deployment.name}': ${created.length} created, ${updated.length} updated, ` +
        `${plan.unchanged} unchanged, ${plan.skipped.length} skipped`,
    );
    return {
      dryRun,
      created: created.map(mailboxView),
      updated: updated.map((m) => ({ ...mailboxView(m), changed: changedOf(m.id) })),
      unchanged: plan.unchanged,
      skipped: plan.skipped,
    };
  }
}
