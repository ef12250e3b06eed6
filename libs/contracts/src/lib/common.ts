import { z } from 'zod';
import {
  AUTH_TYPES, MAILBOX_ACCESS_TYPES, MAILBOX_KINDS, PROTOCOLS, SECURITY_MODES, SEND_ACCESS_TYPES, TEST_STATUSES,
} from '@mailrouter/domain';

/**
 * A secret sealed with AES-256-GCM under one key of the router's keyring (see @mailrouter/platform).
 * `kid` names that key and is bound into the tag; values sealed before key ids existed have none.
 */
export const SealedSecretV1 = z.object({
  alg: z.literal('A256GCM'),
  kid: z.string().optional(),
  iv: z.string(),
  tag: z.string(),
  data: z.string(),
});
export type SealedSecretV1 = z.infer<typeof SealedSecretV1>;

/** Exchange Web Services settings of an `ews` endpoint (Exchange 2013, 2016, 2019, Subscription Edition). */
export const EwsSettingsV1 = z.object({
  /** The EWS URL (https://mail.contoso.com/EWS/Exchange.asmx); absent: Autodiscover from the mailbox's address. */
  url: z.string().optional(),
  /** Where Autodiscover asks instead of the address's domain (an Autodiscover URL, …/autodiscover/autodiscover.svc). */
  autodiscoverUrl: z.string().optional(),
  /**
   * Present when the credentials are the profile's account acting on `mailbox`: through
   * ExchangeImpersonation or full-access delegation. Absent: the credentials are the mailbox's own.
   */
  mailboxAccess: z.enum(MAILBOX_ACCESS_TYPES).optional(),
});
export type EwsSettingsV1 = z.infer<typeof EwsSettingsV1>;

/** Microsoft Graph settings of a `graph` endpoint (Exchange Online): OAuth2 client credentials. */
export const GraphSettingsV1 = z.object({
  tenantId: z.string(),
  clientId: z.string(),
  /** Client secret, or a certificate (its thumbprint and PEM private key). */
  clientSecret: SealedSecretV1.optional(),
  certificate: z.object({ thumbprint: z.string(), privateKey: SealedSecretV1 }).optional(),
  /** Token authority; default https://login.microsoftonline.com/<tenantId> (an emulator's in tests). */
  authority: z.string().optional(),
  /** Graph's root; default https://graph.microsoft.com/v1.0 (an emulator's in tests). */
  baseUrl: z.string().optional(),
});
export type GraphSettingsV1 = z.infer<typeof GraphSettingsV1>;

/** Everything a worker needs to reach a mail server for one mailbox, credentials sealed. */
export const MailEndpointV1 = z.object({
  profileId: z.string(),
  protocol: z.enum(PROTOCOLS),
  /** The server (EWS/Graph: the URL's host; with Autodiscover the address's domain). */
  host: z.string(),
  port: z.number().int(),
  security: z.enum(SECURITY_MODES),
  auth: z.object({
    type: z.enum(AUTH_TYPES),
    username: z.string().optional(),
    password: SealedSecretV1.optional(),
    /** NTLM: the Windows domain, when not part of the username (DOMAIN\\user). */
    domain: z.string().optional(),
  }),
  /** Accept self-signed certificates (test servers only). */
  allowInvalidCertificates: z.boolean().default(false),
  /** Most concurrent connections the router opens to this server. */
  maxConnections: z.number().int().positive().default(4),
  /** The mailbox this endpoint reads or sends for (EWS and Graph address mailboxes by it). */
  mailbox: z.string().optional(),
  ews: EwsSettingsV1.optional(),
  graph: GraphSettingsV1.optional(),
  /** Outgoing: send as the user (absent: send-as), or on behalf of the user with `sendingAccount` as Sender. */
  sendAccess: z.enum(SEND_ACCESS_TYPES).optional(),
  /** The profile account's own mailbox (SMTP address): the Sender when sending on behalf. */
  sendingAccount: z.string().optional(),
  /** Incoming IMAP/EWS/Graph: after the verdict, move the message to this folder instead of marking it read. */
  processedFolder: z.string().optional(),
  /** IMAP/POP3 servers: the ManageSieve port used to deploy forward rules (default 4190). */
  manageSievePort: z.number().int().positive().optional(),
});
export type MailEndpointV1 = z.infer<typeof MailEndpointV1>;

export const TestResultV1 = z.object({
  status: z.enum(TEST_STATUSES),
  message: z.string(),
  testedAt: z.string().optional(),
});
export type TestResultV1 = z.infer<typeof TestResultV1>;

export const MailboxRefV1 = z.object({
  id: z.string(),
  kind: z.enum(MAILBOX_KINDS),
  address: z.string(),
  crmId: z.string().optional(),
});
export type MailboxRefV1 = z.infer<typeof MailboxRefV1>;

/** How a deployment reaches its CRM: the built-in one, or Dynamics 365 / Dataverse (Web API, OAuth2 client credentials). */
export const CrmConnectionV1 = z.discriminatedUnion('type', [
  z.object({ type: z.literal('builtin') }),
  z.object({
    type: z.literal('dataverse'),
    /** Environment URL, e.g. https://contoso.crm.dynamics.com */
    url: z.string(),
    tenantId: z.string(),
    clientId: z.string(),
    clientSecret: SealedSecretV1.optional(),
    /** Token authority; default https://login.microsoftonline.com/<tenantId> (an emulator's in tests). */
    authority: z.string().optional(),
  }),
]);
export type CrmConnectionV1 = z.infer<typeof CrmConnectionV1>;

/**
 * A deployment's tracking and correlation settings (the original's system settings), one
 * configuration per deployment. Every field has the original's default, so older snapshots parse.
 */
export const DeploymentTrackingV1 = z.object({
  token: z
    .object({
      enabled: z.boolean().default(true),
      prefix: z.string().min(1).max(20).default('CRM:'),
      baseNumber: z.number().int().min(0).max(9999).default(0),
      userNumberDigits: z.number().int().min(1).max(9).default(3),
      counterDigits: z.number().int().min(1).max(9).default(4),
    })
    .default({ enabled: true, prefix: 'CRM:', baseNumber: 0, userNumberDigits: 3, counterDigits: 4 }),
  /** Smart matching (subject + shared addresses): off by default, as in the original. */
  smartMatching: z
    .object({
      enabled: z.boolean().default(false),
      /** Minimum number of shared sender/recipient addresses. */
      minSharedAddresses: z.number().int().min(1).max(100).default(2),
    })
    .default({ enabled: false, minSharedAddresses: 2 }),
  /** Track email sent between two CRM users as two activities (one per user). */
  trackBetweenUsersAsTwo: z.boolean().default(false),
  /** Auto-replies, bounces and bulk mail: tracked only when true. */
  trackAutomaticReplies: z.boolean().default(false),
  /** Loop guard: more than maxMessages from one sender within windowMinutes stop being tracked. */
  loopGuard: z
    .object({ maxMessages: z.number().int().min(1).default(20), windowMinutes: z.number().int().min(1).default(120) })
    .default({ maxMessages: 20, windowMinutes: 120 }),
  /** A From domain failing DMARC is not linked or correlated by sender alone. */
  distrustDmarcFailures: z.boolean().default(true),
  /** Leave an address matching several records unresolved instead of linking every match. */
  leaveAmbiguousUnresolved: z.boolean().default(false),
  /** Attachments larger than this are listed, not stored. */
  maxAttachmentBytes: z.number().int().min(0).default(25 * 1024 * 1024),
});
export type DeploymentTrackingV1 = z.infer<typeof DeploymentTrackingV1>;
export const DEFAULT_DEPLOYMENT_TRACKING: DeploymentTrackingV1 = DeploymentTrackingV1.parse({});
