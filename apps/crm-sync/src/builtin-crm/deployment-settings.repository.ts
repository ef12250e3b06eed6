import { Injectable } from '@nestjs/common';
import { DEFAULT_DEPLOYMENT_TRACKING, DeploymentTrackingV1, PublishedConfigV1 } from '@mailrouter/contracts';
import type { TrackingTokenSettings } from '@mailrouter/domain';
import { ConfigStore } from '@mailrouter/messaging';

/**
 * Each deployment's tracking settings, from the published configuration the process runs
 * (ConfigStore); DEFAULT_DEPLOYMENT_TRACKING for a deployment it does not know.
 */
@Injectable()
export class DeploymentSettingsRepository {
  constructor(private readonly configs: ConfigStore) {}

  /** The running configuration; read from the bucket while the watcher has not delivered one yet. */
  private async config(): Promise<PublishedConfigV1 | undefined> {
    return this.configs.current() ?? (await this.configs.read().catch(() => undefined));
  }

  async forDeployment(deploymentId: string | undefined): Promise<DeploymentTrackingV1> {
    const config = await this.config();
    return config?.deployments.find((d) => d.id === deploymentId)?.tracking ?? DEFAULT_DEPLOYMENT_TRACKING;
  }

  /** The settings of the deployment of the owner's mailbox (one that can send first, enabled first). */
  async forOwner(kind: 'user' | 'queue', crmId: string): Promise<DeploymentTrackingV1> {
    const config = await this.config();
    const mine = config?.mailboxes.filter((m) => m.kind === kind && m.crmId === crmId) ?? [];
    const rank = (m: (typeof mine)[number]) => (m.outgoing ? 0 : 2) + (m.enabled ? 0 : 1);
    const mailbox = [...mine].sort((a, b) => rank(a) - rank(b))[0];
    return this.forDeployment(mailbox?.deploymentId);
  }
}

export function tokenSettings(t: DeploymentTrackingV1): TrackingTokenSettings {
  return { prefix: t.token.prefix, baseNumber: t.token.baseNumber, userNumberDigits: t.token.userNumberDigits, counterDigits: t.token.counterDigits };
}
