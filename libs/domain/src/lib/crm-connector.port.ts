import type { CorrelationRule, MailboxKind, ReasonCode, RecordType } from './vocabulary';

/**
 * The port every CRM connector implements, shaped after the messages the original router
 * called on the CRM (RetrieveMailboxes, CheckIncomingEmail, DeliverIncomingEmail,
 * background send, mark sent / failed).
 */

export interface EmailAddress {
  address: string;
  name?: string;
}

export interface RecordRef {
  type: RecordType;
  id: string;
}

/** A user or queue whose email the router delivers. */
export interface CrmMailboxRecord {
  crmId: string;
  kind: Extract<MailboxKind, 'user' | 'queue'>;
  name: string;
  address: string;
  /** The CRM's approval of this mailbox for the router (Dataverse emailrouteraccessapproval), when it keeps one. */
  approval?: 'empty' | 'approved' | 'pending' | 'rejected';
}

export interface ParsedAttachment {
  filename: string;
  contentType: string;
  size: number;
  content: Uint8Array;
}

/** A received message as the connector sees it: parsed, bounded, addresses normalised. */
export interface ParsedEmail {
  messageId?: string;
  inReplyTo?: string;
  references: string[];
  subject: string;
  from?: EmailAddress;
  to: EmailAddress[];
  cc: EmailAddress[];
  date?: Date;
  text?: string;
  html?: string;
  attachments: ParsedAttachment[];
}

/** What the router found out about a received message before asking the CRM (all optional). */
export interface MailInspection {
  /** SPF/DKIM/DMARC of the From domain. */
  authentication?: { dmarc: 'pass' | 'fail' | 'none' | 'temperror'; dkim: string; spf: string; fromDomain: string; summary: string };
  /** An automatic message (auto-reply, bounce, bulk), or null for a person's mail. */
  automatic?: { kind: 'auto-reply' | 'bounce' | 'bulk' | null; reason: string };
  /** A delivery status notification: the message it reports on. */
  bounce?: { originalMessageId?: string; emailId?: string; diagnostic: string; status?: string; action?: string };
}

export interface IncomingEmail {
  /** The router's natural key of the received message (mailbox + UIDVALIDITY + UID, or UIDL). */
  receivedId: string;
  mailbox: { id: string; kind: MailboxKind; address: string; crmId?: string };
  email: ParsedEmail;
  /** The deployment whose settings apply (MailReceivedV1.deploymentId). */
  deploymentId?: string;
  inspection?: MailInspection;
}

/** A party of a received email as the CRM resolved it (record absent: unresolved). */
export interface ResolvedParty {
  role: 'from' | 'to' | 'cc' | 'bcc';
  address: string;
  name?: string;
  records: RecordRef[];
  /** True when the address matched several records and was left unresolved on purpose. */
  ambiguous?: boolean;
}

export interface CheckIncomingResult {
  shouldDeliver: boolean;
  reason: ReasonCode;
  /** A sentence for the operator: why this was (not) tracked. */
  reasonText: string;
  /** The activity this message correlates with, if any. */
  correlatedActivityId?: string;
  regarding?: RecordRef;
  /** Which correlation rule matched ('none' when none did). */
  correlationRule?: CorrelationRule;
  /** The user or queue the message was checked for. */
  owner?: RecordRef;
  /** The parties as resolved, for the trail. */
  parties?: ResolvedParty[];
}

export interface DeliverIncomingResult {
  activityId: string;
  /** True when the activity already existed (a redelivery): nothing new was created. */
  existed: boolean;
}

export interface OutgoingEmail {
  emailId: string;
  /** Number of times this email has been claimed for sending (1 on the first claim). */
  claim: number;
  owner: { kind: 'user' | 'queue'; crmId: string };
  from: EmailAddress;
  to: EmailAddress[];
  cc: EmailAddress[];
  bcc: EmailAddress[];
  subject: string;
  trackingToken?: string;
  text?: string;
  html?: string;
  inReplyTo?: string;
  references: string[];
}

export interface SendOutcome {
  emailId: string;
  messageId: string;
  deliveryAttempts: number;
}

export interface CrmConnector {
  /**
   * True when checkIncoming and deliverIncoming write only to the router's own database, inside
   * the caller's transaction (the built-in CRM): several messages' decisions may then share one
   * transaction, and one rolled back is simply run again. A remote CRM's writes are not rolled
   * back, so each of its decisions gets a transaction of its own.
   */
  readonly transactional?: boolean;
  /**
   * Optional, for a `transactional` connector: the messages about to be checked and delivered one
   * after the other in the caller's transaction, before the first of them. The connector may read
   * what its checks will ask about all of them at once; the decisions must come out the same as
   * without it (each still sees the ones before it).
   */
  prepareIncoming?(emails: IncomingEmail[]): Promise<void>;
  retrieveMailboxes(): Promise<CrmMailboxRecord[]>;
  checkIncoming(email: IncomingEmail): Promise<CheckIncomingResult>;
  deliverIncoming(email: IncomingEmail, check: CheckIncomingResult): Promise<DeliverIncomingResult>;
  claimPendingOutgoing(limit: number, leaseMs: number): Promise<OutgoingEmail[]>;
  /**
   * Optional, for a CRM that can hold a claim for longer once it is handed over: these claims
   * are now send commands in the broker, hold them for `leaseMs` from now. A connector that has
   * it is claimed with a short hand-over lease, so that a claimer that died between claim and
   * hand-over delays its emails by that lease only. Ignores a claim another claimer took since.
   */
  confirmHandedOver?(claims: Pick<OutgoingEmail, 'emailId' | 'claim'>[], leaseMs: number): Promise<void>;
  markSent(outcome: SendOutcome): Promise<void>;
  markFailed(outcome: SendOutcome & { reason: string }): Promise<void>;
}
