import type { DeploymentEntity } from '../entities';

export function deploymentView(d: DeploymentEntity) {
  return {
    id: d.id,
    name: d.name,
    crm: { type: d.crmType },
    incomingProfileId: d.incomingProfileId,
    outgoingProfileId: d.outgoingProfileId,
    createdAt: d.createdAt.toISOString(),
    updatedAt: d.updatedAt.toISOString(),
  };
}
export type DeploymentView = ReturnType<typeof deploymentView>;
