/** The original E-mail Router's words, as types. */

export const MAILBOX_KINDS = ['user', 'queue', 'forward'] as const;
export type MailboxKind = (typeof MAILBOX_KINDS)[number];

export const DIRECTIONS = ['incoming', 'outgoing'] as const;
export type Direction = (typeof DIRECTIONS)[number];

/** `ews`: Exchange Web Services (Exchange 2013–SE on premises); `graph`: Microsoft Graph (Exchange Online). */
export const INCOMING_PROTOCOLS = ['imap', 'pop3', 'ews', 'graph'] as const;
export const OUTGOING_PROTOCOLS = ['smtp', 'ews', 'graph'] as const;
export const PROTOCOLS = ['imap', 'pop3', 'smtp', 'ews', 'graph'] as const;
/** Protocols whose incoming cursor is a server sync state (EWS SyncFolderItems, Graph delta), not UIDs. */
export const SYNC_STATE_PROTOCOLS = ['ews', 'graph'] as const;
export type IncomingProtocol = (typeof INCOMING_PROTOCOLS)[number];
export type OutgoingProtocol = (typeof OUTGOING_PROTOCOLS)[number];
export type Protocol = (typeof PROTOCOLS)[number];

export const SECURITY_MODES = ['none', 'starttls', 'tls'] as const;
export type Security = (typeof SECURITY_MODES)[number];

/** basic: user + password (IMAP/POP3/SMTP login, HTTP Basic for EWS); ntlm: EWS only; oauth2: Graph client credentials. */
export const AUTH_TYPES = ['basic', 'ntlm', 'oauth2', 'none'] as const;
export type AuthType = (typeof AUTH_TYPES)[number];

/**
 * How a profile's account sends a user's mail (the original's choice): `send-as` (From is the
 * user) or `on-behalf` (the original's Delegate Access: From is the user, Sender the profile's account).
 */
export const SEND_ACCESS_TYPES = ['send-as', 'on-behalf'] as const;
export type SendAccess = (typeof SEND_ACCESS_TYPES)[number];

/** How a profile's own account opens a user's Exchange mailbox: ExchangeImpersonation, or full-access delegation. */
export const MAILBOX_ACCESS_TYPES = ['impersonation', 'delegate'] as const;
export type MailboxAccess = (typeof MAILBOX_ACCESS_TYPES)[number];

/**
 * Header a deployed Sieve rule adds when it redirects a user's mail to a forward mailbox (Sieve
 * cannot forward as an attachment): `<user address>; token=<forwardRuleToken>`.
 */
export const FORWARDED_FOR_HEADER = 'X-MailRouter-Forwarded-For';

/** Whose credentials a profile uses: one account in the profile, or each mailbox's own. */
export const CREDENTIAL_SOURCES = ['profile', 'mailbox'] as const;
export type CredentialSource = (typeof CREDENTIAL_SOURCES)[number];

export const CRM_TYPES = ['builtin', 'dataverse'] as const;
export type CrmType = (typeof CRM_TYPES)[number];

/** The mailbox owner's "track incoming email" option (users; queues may also say `none`). */
export const TRACKING_OPTIONS = ['all', 'responses', 'crm-records', 'email-enabled', 'none'] as const;
export type TrackingOption = (typeof TRACKING_OPTIONS)[number];

/** CheckIncomingEmail reason codes of the original CRM, plus the router's own. */
export const REASON_CODES = [
  'duplicate',
  'no-correlation-match',
  'correlation-match',
  'no-recipient-match',
  'internal-email-reject',
  'sender-match',
  'accept-all',
  'invalid-sender',
  // the router's own
  'owner-not-found',
  'unparseable',
  'delivery-failed',
  'address-not-approved',
  'loop-guard',
  'automatic-reply',
  /** A forward mailbox's message with no forwarded message inside (nor a valid forwarded-for header). */
  'forward-without-message',
  /** A received message over a crm-sync parsing limit (size, header, nesting, parts, recipients): never parsed. */
  'limit-exceeded',
] as const;
export type ReasonCode = (typeof REASON_CODES)[number];

/** Which correlation rule tied a received email to an existing activity (the original's order). */
export const CORRELATION_RULES = ['token', 'in-reply-to', 'references', 'smart-match', 'none'] as const;
export type CorrelationRule = (typeof CORRELATION_RULES)[number];

export const VERDICT_OUTCOMES = ['tracked', 'ignored', 'quarantined'] as const;
export type VerdictOutcome = (typeof VERDICT_OUTCOMES)[number];

export const TEST_STATUSES = ['not-run', 'success', 'failure'] as const;
export type TestStatus = (typeof TEST_STATUSES)[number];

export const EMAIL_STATUSES = ['draft', 'pending-send', 'sending', 'sent', 'failed', 'received'] as const;
export type EmailStatus = (typeof EMAIL_STATUSES)[number];

export const PARTY_ROLES = ['from', 'to', 'cc', 'bcc'] as const;
export type PartyRole = (typeof PARTY_ROLES)[number];

export const RECORD_TYPES = ['user', 'queue', 'contact', 'account', 'lead'] as const;
export type RecordType = (typeof RECORD_TYPES)[number];
