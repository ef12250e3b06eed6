import type { CrmConnectionV1, SealedSecretV1 } from '@mailrouter/contracts';
import type { CrmType } from '@mailrouter/domain';
import type { FieldProblem } from '@mailrouter/platform';
import type { DataverseConnection } from '../entities/deployment.entity';
import type { CrmPatchBody } from './deployment.schemas';

/** The stored CRM connection of a deployment. */
export interface StoredCrm {
  crmType: CrmType;
  crmConnection: DataverseConnection | null;
  crmClientSecret: SealedSecretV1 | null;
}

export const BUILTIN_CRM: StoredCrm = { crmType: 'builtin', crmConnection: null, crmClientSecret: null };

/**
 * Applies a (partial) connection to the stored one: fields are merged while the type stays,
 * a new type starts afresh. A dataverse connection must end with url, tenant, client id and secret.
 */
export function applyCrmPatch(
  current: StoredCrm,
  patch: CrmPatchBody | undefined,
  seal: (plaintext: string) => SealedSecretV1,
): { crm: StoredCrm } | { problems: FieldProblem[] } {
  if (patch === undefined) {
    return { crm: { crmType: current.crmType, crmConnection: current.crmConnection, crmClientSecret: current.crmClientSecret } };
  }
  const type = patch.type ?? current.crmType;
  const base = type === current.crmType ? current : BUILTIN_CRM;
  if (type === 'builtin') {
    const stray = (['url', 'tenantId', 'clientId', 'clientSecret', 'authority'] as const).filter((f) => patch[f] !== undefined && patch[f] !== null);
    if (stray.length) return { problems: stray.map((f) => ({ field: `crm.${f}`, message: 'only for a dataverse connection' })) };
    return { crm: BUILTIN_CRM };
  }
  const previous: Partial<DataverseConnection> = base.crmConnection ?? {};
  const authority = patch.authority === null ? undefined : patch.authority ?? previous.authority;
  const merged = {
    url: patch.url ?? previous.url,
    tenantId: patch.tenantId ?? previous.tenantId,
    clientId: patch.clientId ?? previous.clientId,
  };
  const secret = patch.clientSecret !== undefined ? seal(patch.clientSecret) : base.crmClientSecret;
  const missing: FieldProblem[] = [
    ...(['url', 'tenantId', 'clientId'] as const).filter((f) => !merged[f]).map((f) => ({ field: `crm.${f}`, message: 'required for a dataverse connection' })),
    ...(secret ? [] : [{ field: 'crm.clientSecret', message: 'required for a dataverse connection' }]),
  ];
  if (missing.length) return { problems: missing };
  return {
    crm: {
      crmType: 'dataverse',
      crmConnection: { url: merged.url!, tenantId: merged.tenantId!, clientId: merged.clientId!, ...(authority && { authority }) },
      crmClientSecret: secret,
    },
  };
}

/** The connection as published and as sent to crm-sync (secret sealed). */
export function crmConnectionOf(d: StoredCrm): CrmConnectionV1 {
  if (d.crmType !== 'dataverse' || !d.crmConnection) return { type: 'builtin' };
  const c = d.crmConnection;
  return {
    type: 'dataverse',
    url: c.url,
    tenantId: c.tenantId,
    clientId: c.clientId,
    ...(d.crmClientSecret && { clientSecret: d.crmClientSecret }),
    ...(c.authority && { authority: c.authority }),
  };
}

/** The connection as the API shows it: the secret replaced by `hasClientSecret`. */
export function crmView(d: StoredCrm) {
  const crm = crmConnectionOf(d);
  if (crm.type === 'builtin') return crm;
  const { clientSecret, ...shown } = crm;
  return { ...shown, hasClientSecret: clientSecret !== undefined };
}
