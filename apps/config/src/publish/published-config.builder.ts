import type { MailEndpointV1, PublishedConfigV1, PublishedMailboxV1 } from '@mailrouter/contracts';
import type { MailboxKind } from '@mailrouter/domain';
import { crmConnectionOf, StoredCrm } from '../deployments/deployment-crm';
import { storedTracking } from '../deployments/deployment-settings';
import {
  EndpointDeployment, EndpointMailbox, EndpointProfile, resolveEndpoint,
} from '../endpoints/endpoint-resolution';

export interface ConfigState {
  profiles: EndpointProfile[];
  deployments: (EndpointDeployment & StoredCrm & { id: string; name: string; tracking: unknown })[];
  mailboxes: (EndpointMailbox & {
    id: string;
    deploymentId: string;
    kind: MailboxKind;
    crmId: string | null;
    enabled: boolean;
    deleteAfterProcessing: boolean;
  })[];
}

/**
 * Freezes the edited configuration into a published version: every deployment, every mailbox
 * with its resolved endpoints (passwords stay sealed, as stored) and its poll interval.
 */
export function buildPublishedConfig(
  state: ConfigState,
  meta: { version: number; publishedAt: string; comment?: string; defaultPollIntervalSeconds: number },
): PublishedConfigV1 {
  const profiles = new Map(state.profiles.map((p) => [p.id, p]));
  const deployments = new Map(state.deployments.map((d) => [d.id, d]));
  const byId = (id: string) => profiles.get(id);
  const mailboxes: PublishedMailboxV1[] = [];
  for (const m of [...state.mailboxes].sort((a, b) => a.address.localeCompare(b.address) || a.id.localeCompare(b.id))) {
    const deployment = deployments.get(m.deploymentId);
    if (!deployment) continue;
    const incoming = resolveEndpoint('incoming', m, deployment, byId);
    const outgoing = resolveEndpoint('outgoing', m, deployment, byId);
    mailboxes.push({
      id: m.id,
      deploymentId: m.deploymentId,
      kind: m.kind,
      address: m.address,
      ...(m.crmId && { crmId: m.crmId }),
      enabled: m.enabled,
      deleteAfterProcessing: m.deleteAfterProcessing,
      pollIntervalSeconds: incoming.profile?.pollIntervalSeconds ?? meta.defaultPollIntervalSeconds,
      ...(incoming.endpoint && { incoming: incoming.endpoint }),
      ...(outgoing.endpoint && { outgoing: outgoing.endpoint }),
    });
  }
  return {
    schema: 'mailrouter.config.v1',
    version: meta.version,
    publishedAt: meta.publishedAt,
    ...(meta.comment !== undefined && { comment: meta.comment }),
    deployments: [...deployments.values()]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((d) => ({
        id: d.id,
        name: d.name,
        crm: crmConnectionOf(d),
        tracking: storedTracking(d.tracking),
        ...(d.incomingProfileId && { incomingProfileId: d.incomingProfileId }),
        ...(d.outgoingProfileId && { outgoingProfileId: d.outgoingProfileId }),
      })),
    mailboxes,
  };
}

/** Graph settings as the API shows them: `hasClientSecret`, `certificate: {thumbprint, hasPrivateKey}`. */
function redactGraph(graph: NonNullable<MailEndpointV1['graph']>) {
  const { clientSecret, certificate, ...shown } = graph;
  return {
    ...shown,
    hasClientSecret: clientSecret !== undefined,
    ...(certificate && { certificate: { thumbprint: certificate.thumbprint, hasPrivateKey: true } }),
  };
}

/**
 * A published version as the API shows it: each sealed password replaced by `hasPassword`,
 * each CRM or Graph client secret by `hasClientSecret`, each Graph private key by `hasPrivateKey`.
 */
export function redactPublishedConfig(config: PublishedConfigV1): unknown {
  const redactEndpoint = (e: PublishedMailboxV1['incoming']) => {
    if (!e) return undefined;
    const { password, ...auth } = e.auth;
    return { ...e, auth: { ...auth, hasPassword: password !== undefined }, ...(e.graph && { graph: redactGraph(e.graph) }) };
  };
  return {
    ...config,
    deployments: config.deployments.map((d) => {
      if (d.crm.type !== 'dataverse') return d;
      const { clientSecret, ...crm } = d.crm;
      return { ...d, crm: { ...crm, hasClientSecret: clientSecret !== undefined } };
    }),
    mailboxes: config.mailboxes.map((m) => ({
      ...m,
      ...(m.incoming && { incoming: redactEndpoint(m.incoming) }),
      ...(m.outgoing && { outgoing: redactEndpoint(m.outgoing) }),
    })),
  };
}
