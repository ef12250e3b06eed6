import { z } from 'zod';
import { CRM_TYPES } from '@mailrouter/domain';
import { trackingPatchProblems } from './deployment-settings';

const DATAVERSE_FIELDS = ['url', 'tenantId', 'clientId', 'clientSecret', 'authority'] as const;

/** The CRM connection as the API accepts it; `clientSecret` is write-only (sealed when stored). */
const crmFields = {
  /** Environment URL, e.g. https://contoso.crm.dynamics.com (plain http only on loopback: emulators, tunnels). */
  url: z
    .url({ protocol: /^https?$/, error: 'must be an https URL' })
    .max(500)
    .refine((u) => u.startsWith('https:') || /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/.test(u), 'must be an https URL (http only on loopback)'),
  tenantId: z.string().trim().min(1).max(200),
  clientId: z.string().trim().min(1).max(200),
  clientSecret: z.string().min(1).max(1024),
  /** Token authority; default https://login.microsoftonline.com/<tenantId>. */
  authority: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(500),
};

const CrmPatchBody = z.object({
  type: z.enum(CRM_TYPES).optional(),
  url: crmFields.url.optional(),
  tenantId: crmFields.tenantId.optional(),
  clientId: crmFields.clientId.optional(),
  clientSecret: crmFields.clientSecret.optional(),
  /** null removes it. */
  authority: crmFields.authority.nullable().optional(),
});
export type CrmPatchBody = z.infer<typeof CrmPatchBody>;

const CrmCreateBody = CrmPatchBody.extend({ type: z.enum(CRM_TYPES) }).superRefine((crm, ctx) => {
  if (crm.type === 'dataverse') {
    for (const field of ['url', 'tenantId', 'clientId', 'clientSecret'] as const) {
      if (crm[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], message: 'required for a dataverse connection' });
    }
  } else {
    for (const field of DATAVERSE_FIELDS) {
      if (crm[field] !== undefined) ctx.addIssue({ code: 'custom', path: [field], message: 'only for a dataverse connection' });
    }
  }
});

/** Partial tracking settings; validated by merging them onto the defaults (paths name the setting). */
const TrackingPatchBody = z.record(z.string(), z.unknown()).superRefine((patch, ctx) => {
  for (const p of trackingPatchProblems(patch)) {
    ctx.addIssue({ code: 'custom', path: p.field.split('.'), message: p.message });
  }
});

export const CreateDeploymentBody = z.object({
  name: z.string().trim().min(1).max(200),
  crm: CrmCreateBody.default({ type: 'builtin' }),
  tracking: TrackingPatchBody.optional(),
  incomingProfileId: z.uuid().nullable().optional(),
  outgoingProfileId: z.uuid().nullable().optional(),
});
export type CreateDeploymentBody = z.infer<typeof CreateDeploymentBody>;

export const UpdateDeploymentBody = z.object({
  name: CreateDeploymentBody.shape.name.optional(),
  /** Merged onto the current connection when the type stays; a new type replaces it. */
  crm: CrmPatchBody.optional(),
  tracking: TrackingPatchBody.optional(),
  incomingProfileId: z.uuid().nullable().optional(),
  outgoingProfileId: z.uuid().nullable().optional(),
});
export type UpdateDeploymentBody = z.infer<typeof UpdateDeploymentBody>;
