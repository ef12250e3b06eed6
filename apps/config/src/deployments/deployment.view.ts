import type { DeploymentEntity } from '../entities';
import { crmView } from './deployment-crm';
import { storedTracking } from './deployment-settings';

/** A deployment as the API shows it: the CRM client secret only as `hasClientSecret`. */
export function deploymentView(d: DeploymentEntity) {
  return {
    id: d.id,
    name: d.name,
    crm: crmView(d),
    tracking: storedTracking(d.tracking),
    incomingProfileId: d.incomingProfileId,
    outgoingProfileId: d.outgoingProfileId,
    createdAt: d.createdAt.toISOString(),
    updatedAt: d.updatedAt.toISOString(),
  };
}
export type DeploymentView = ReturnType<typeof deploymentView>;
