import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { CrmConnectionV1, PublishedConfigV1, PublishedDeploymentV1 } from '@mailrouter/contracts';
import { DataverseConnectionSettings, DataverseConnector } from '@mailrouter/crm-dataverse';
import type { CrmConnector } from '@mailrouter/domain';
import { ConfigStore } from '@mailrouter/messaging';
import { openSecret, PermanentError } from '@mailrouter/platform';
import { BuiltinCrmConnector } from '../builtin-crm/builtin-crm.connector';
import { CONNECTOR_SETTINGS, connectorKeyring, ConnectorSettings } from './connectors.settings';

/** A connector to claim pending-send email from, and the deployment it serves (none: the built-in CRM). */
export interface ClaimTarget {
  deploymentId?: string;
  connector: CrmConnector;
}

type DataverseConnection = Extract<CrmConnectionV1, { type: 'dataverse' }>;

/**
 * The CRM connector of each deployment, from the published configuration: builtin ⇒ the
 * embedded CRM; dataverse ⇒ a DataverseConnector (client secret opened with ROUTER_SECRET_KEY),
 * kept per deployment (its token cache with it) and rebuilt when the connection changes.
 */
@Injectable()
export class CrmConnectors {
  private readonly log = new Logger(CrmConnectors.name);
  private readonly cache = new Map<string, { fingerprint: string; connector: DataverseConnector }>();

  constructor(
    private readonly builtin: BuiltinCrmConnector,
    private readonly configs: ConfigStore,
    @Inject(CONNECTOR_SETTINGS) private readonly settings: ConnectorSettings,
  ) {}

  /** The running configuration; read from the bucket when the watcher has not delivered it yet. */
  private async config(): Promise<PublishedConfigV1 | undefined> {
    return this.configs.current() ?? (await this.configs.read());
  }

  /** The connector of a deployment; the built-in CRM for a builtin, unknown or absent deployment. */
  async forDeployment(deploymentId: string | undefined): Promise<CrmConnector> {
    if (!deploymentId) return this.builtin;
    const deployment = (await this.config())?.deployments.find((d) => d.id === deploymentId);
    return deployment ? this.ofDeployment(deployment) : this.builtin;
  }

  /** The built-in CRM once, then each dataverse deployment of the configuration. */
  claimTargets(config: PublishedConfigV1): ClaimTarget[] {
    const dataverse = config.deployments.filter((d) => d.crm.type === 'dataverse');
    return [{ connector: this.builtin }, ...dataverse.map((d) => ({ deploymentId: d.id, connector: this.ofDeployment(d) }))];
  }

  /** Ids of the deployments served by Dataverse (the others' mailboxes belong to the built-in CRM). */
  dataverseDeploymentIds(config: PublishedConfigV1): Set<string> {
    return new Set(config.deployments.filter((d) => d.crm.type === 'dataverse').map((d) => d.id));
  }

  /** A connector for a connection given outright (load data asks before anything is published). */
  forConnection(crm: CrmConnectionV1): CrmConnector {
    return crm.type === 'dataverse' ? this.build(crm) : this.builtin;
  }

  private ofDeployment(deployment: PublishedDeploymentV1): CrmConnector {
    if (deployment.crm.type !== 'dataverse') return this.builtin;
    const settings = this.connectionSettings(deployment.crm);
    // The opened secret counts, not its sealed bytes: re-sealing the same secret keeps the connector (and its tokens).
    const fingerprint = createHash('sha256').update(JSON.stringify(settings)).digest('hex');
    const cached = this.cache.get(deployment.id);
    if (cached?.fingerprint === fingerprint) return cached.connector;
    const connector = new DataverseConnector(settings);
    this.cache.set(deployment.id, { fingerprint, connector });
    this.log.log(`deployment ${deployment.id}: Dataverse connector for ${deployment.crm.url}${cached ? ' (connection changed)' : ''}`);
    return connector;
  }

  private build(crm: DataverseConnection): DataverseConnector {
    return new DataverseConnector(this.connectionSettings(crm));
  }

  private connectionSettings(crm: DataverseConnection): DataverseConnectionSettings {
    if (!crm.clientSecret) throw new PermanentError(`the Dataverse connection to ${crm.url} has no client secret`);
    const keys = connectorKeyring(this.settings);
    if (!keys) throw new PermanentError('ROUTER_SECRET_KEY is not set: the Dataverse client secret cannot be opened');
    const clientSecret = openSecret(keys, crm.clientSecret);
    return {
      url: crm.url, tenantId: crm.tenantId, clientId: crm.clientId, clientSecret, authority: crm.authority,
      retry: this.settings.dataverseRetry,
    };
  }
}
