import { createHash } from 'node:crypto';
import type {
  CheckIncomingResult, CrmConnector, CrmMailboxRecord, DeliverIncomingResult, EmailAddress, IncomingEmail,
  OutgoingEmail, SendOutcome,
} from '@mailrouter/domain';
import { TransientError } from '@mailrouter/platform';
import { TokenProvider } from './token-provider';
import { DataversePermanentError, DEFAULT_RETRY_POLICY, RetryPolicy, WebApiClient } from './web-api.client';
import {
  checkReason, DELIVERY_METHOD, EMAIL_STATE, EMAIL_STATUS, odataString, PARTICIPATION, ROUTER_APPROVAL,
} from './dataverse-vocabulary';

/** One deployment's Dataverse connection, secret in clear (opened by the caller). */
export interface DataverseConnectionSettings {
  /** Environment URL, e.g. https://contoso.crm.dynamics.com */
  url: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** Token authority; default https://login.microsoftonline.com/<tenantId>. */
  authority?: string;
  retry?: Partial<RetryPolicy>;
}

const LOOKUP_ANNOTATIONS = { Prefer: 'odata.include-annotations="Microsoft.Dynamics.CRM.lookuplogicalname"' };
const LOOKUP_NAME = '@Microsoft.Dynamics.CRM.lookuplogicalname';
const KIND_OF: Record<string, 'user' | 'queue'> = { systemuser: 'user', queue: 'queue' };

interface MailboxRow {
  mailboxid: string;
  name?: string;
  emailaddress?: string;
  emailrouteraccessapproval?: number;
  _regardingobjectid_value?: string;
  [annotation: string]: unknown;
}

interface PartyRow {
  participationtypemask: number;
  addressused?: string | null;
  _partyid_value?: string | null;
  [annotation: string]: unknown;
}

interface EmailRow {
  activityid: string;
  '@odata.etag'?: string;
  subject?: string | null;
  description?: string | null;
  trackingtoken?: string | null;
  deliveryattempts?: number | null;
  statuscode?: number;
  inreplyto?: string | null;
  email_activity_parties?: PartyRow[];
}

function joinAddresses(list: EmailAddress[]): string {
  return list.map((a) => a.address).join(';');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

/** Message-ID sent to the CRM: the message's own, else one derived from the router's natural key. */
function messageIdOf(incoming: IncomingEmail): string {
  return incoming.email.messageId ?? `<${createHash('sha256').update(incoming.receivedId).digest('hex').slice(0, 32)}@mailrouter.invalid>`;
}

/**
 * The CRM connector for Microsoft Dynamics 365 / Dataverse (Web API v9.2, OAuth2 client
 * credentials). The CRM decides tracking itself (CheckIncomingEmail, DeliverIncomingEmail);
 * pending-send email is claimed with conditional updates (If-Match), several at once in a $batch.
 */
export class DataverseConnector implements CrmConnector {
  readonly api: WebApiClient;

  constructor(readonly settings: DataverseConnectionSettings) {
    const policy = { ...DEFAULT_RETRY_POLICY, ...settings.retry };
    const tokens = new TokenProvider({ ...settings, timeoutMs: policy.requestTimeoutMs });
    this.api = new WebApiClient(settings.url, tokens, policy);
  }

  /** Mailboxes of users and queues whose incoming or outgoing email goes through the router / server-side sync. */
  async retrieveMailboxes(): Promise<CrmMailboxRecord[]> {
    const m = DELIVERY_METHOD.serverSideSyncOrRouter;
    const rows = await this.api.getAll<MailboxRow>(
      'mailboxes?$select=mailboxid,name,emailaddress,incomingemaildeliverymethod,outgoingemaildeliverymethod,emailrouteraccessapproval,_regardingobjectid_value' +
      `&$filter=${encodeURIComponent(`incomingemaildeliverymethod eq ${m} or outgoingemaildeliverymethod eq ${m}`)}`,
      LOOKUP_ANNOTATIONS,
    );
    return rows.flatMap((row) => {
      const kind = KIND_OF[String(row[`_regardingobjectid_value${LOOKUP_NAME}`] ?? '')];
      if (!kind || !row._regardingobjectid_value || !row.emailaddress) return [];
      return [{
        crmId: row._regardingobjectid_value, kind, name: row.name ?? row.emailaddress, address: row.emailaddress.toLowerCase(),
        approval: ROUTER_APPROVAL[row.emailrouteraccessapproval ?? 0] ?? 'empty',
      }];
    });
  }

  async checkIncoming(incoming: IncomingEmail): Promise<CheckIncomingResult> {
    const e = incoming.email;
    const params: Record<string, string> = {
      MessageId: messageIdOf(incoming), Subject: e.subject, From: e.from?.address ?? '',
      To: joinAddresses(e.to), Cc: joinAddresses(e.cc), Bcc: '',
    };
    const extra = this.extraProperties(incoming);
    const names = [...Object.keys(params), ...(extra ? ['ExtraProperties'] : [])];
    const aliases = Object.entries(params).map(([k, v]) => `@${k}=${encodeURIComponent(odataString(v))}`);
    if (extra) aliases.push(`@ExtraProperties=${encodeURIComponent(JSON.stringify(extra))}`);
    const res = await this.api.request<{ ShouldDeliver: boolean; ReasonCode: number }>(
      'GET', `CheckIncomingEmail(${names.map((n) => `${n}=@${n}`).join(',')})?${aliases.join('&')}`,
    );
    const { reason, reasonText } = checkReason(res.body.ReasonCode, res.body.ShouldDeliver);
    const result: CheckIncomingResult = { shouldDeliver: res.body.ShouldDeliver, reason, reasonText };
    if (reason === 'duplicate') {
      const existing = await this.api.getAll<{ activityid: string }>(
        `emails?$select=activityid&$top=1&$filter=${encodeURIComponent(`messageid eq ${odataString(params.MessageId)}`)}`,
      );
      if (existing[0]) result.correlatedActivityId = existing[0].activityid;
    }
    return result;
  }

  /** In-Reply-To and References for the CRM's correlation (DeliverIncomingEmail / CheckIncomingEmail ExtraProperties). */
  private extraProperties(incoming: IncomingEmail): Record<string, string> | undefined {
    const e = incoming.email;
    if (!e.inReplyTo && e.references.length === 0) return undefined;
    return {
      '@odata.type': 'Microsoft.Dynamics.CRM.expando',
      ...(e.inReplyTo ? { inreplyto: e.inReplyTo } : {}),
      ...(e.references.length ? { references: e.references.join(' ') } : {}),
    };
  }

  async deliverIncoming(incoming: IncomingEmail, _check: CheckIncomingResult): Promise<DeliverIncomingResult> {
    const e = incoming.email;
    const extra = this.extraProperties(incoming);
    const res = await this.api.request<{ EmailId: string }>('POST', 'DeliverIncomingEmail', {
      body: {
        MessageId: messageIdOf(incoming), Subject: e.subject, From: e.from?.address ?? '',
        To: joinAddresses(e.to), Cc: joinAddresses(e.cc), Bcc: '',
        ReceivedOn: (e.date ?? new Date()).toISOString(), SubmittedBy: incoming.mailbox.address, Importance: 'normal',
        Body: e.html ?? (e.text ? `<pre>${escapeHtml(e.text)}</pre>` : ''),
        Attachments: e.attachments.map((a) => ({
          '@odata.type': 'Microsoft.Dynamics.CRM.activitymimeattachment',
          filename: a.filename, mimetype: a.contentType, body: Buffer.from(a.content).toString('base64'),
        })),
        ...(extra ? { ExtraProperties: extra } : {}),
        ValidateBeforeCreate: false,
      },
    });
    return { activityId: res.body.EmailId, existed: false };
  }

  /**
   * Pending-send outgoing emails (and Sending ones whose lease ran out), locked as Sending with a
   * conditional update each (If-Match: the row's ETag), all in one $batch: a row another
   * claimer changed meanwhile answers 412 and is left to it. deliveryattempts counts the claims.
   */
  async claimPendingOutgoing(limit: number, leaseMs: number): Promise<OutgoingEmail[]> {
    const cutoff = new Date(Date.now() - leaseMs).toISOString();
    const filter = `directioncode eq true and (statuscode eq ${EMAIL_STATUS.pendingSend} or (statuscode eq ${EMAIL_STATUS.sending} and modifiedon lt ${cutoff}))`;
    const rows = await this.api.getAll<EmailRow>(
      'emails?$select=activityid,subject,description,trackingtoken,deliveryattempts,statuscode,inreplyto' +
      '&$expand=email_activity_parties($select=participationtypemask,addressused,_partyid_value)' +
      `&$filter=${encodeURIComponent(filter)}&$orderby=createdon asc&$top=${limit}`,
      LOOKUP_ANNOTATIONS,
    );
    const candidates = rows.slice(0, limit);
    const answers = await this.api.batch(candidates.map((row) => ({
      method: 'PATCH' as const, path: `emails(${row.activityid})`,
      headers: { 'If-Match': row['@odata.etag'] ?? '*' },
      body: { statecode: EMAIL_STATE.completed, statuscode: EMAIL_STATUS.sending, deliveryattempts: (row.deliveryattempts ?? 0) + 1 },
    })));
    const claimed: OutgoingEmail[] = [];
    for (const [i, row] of candidates.entries()) {
      if (answers[i]?.status !== 204) continue;
      const email = this.outgoingOf(row);
      if (email) claimed.push(email);
      else await this.markFailed({ emailId: row.activityid, messageId: '', deliveryAttempts: 0, reason: 'the email has no sender that is a user or queue of the CRM' });
    }
    return claimed;
  }

  private outgoingOf(row: EmailRow): OutgoingEmail | undefined {
    const parties = row.email_activity_parties ?? [];
    const sender = parties.find((p) => p.participationtypemask === PARTICIPATION.sender);
    const kind = sender && KIND_OF[String(sender[`_partyid_value${LOOKUP_NAME}`] ?? '')];
    if (!sender?._partyid_value || !sender.addressused || !kind) return undefined;
    const of = (mask: number) => parties.filter((p) => p.participationtypemask === mask && p.addressused).map((p) => ({ address: p.addressused!.toLowerCase() }));
    return {
      emailId: row.activityid, claim: (row.deliveryattempts ?? 0) + 1,
      owner: { kind, crmId: sender._partyid_value }, from: { address: sender.addressused.toLowerCase() },
      to: of(PARTICIPATION.to), cc: of(PARTICIPATION.cc), bcc: of(PARTICIPATION.bcc),
      subject: row.subject ?? '', trackingToken: row.trackingtoken ?? undefined,
      html: row.description ?? undefined, inReplyTo: row.inreplyto ?? undefined, references: [],
    };
  }

  async markSent(outcome: SendOutcome): Promise<void> {
    await this.api.request('PATCH', `emails(${outcome.emailId})`, {
      body: { statecode: EMAIL_STATE.completed, statuscode: EMAIL_STATUS.sent, messageid: outcome.messageId, deliveryattempts: outcome.deliveryAttempts },
    });
  }

  /**
   * Failed (statuscode 8, open again so the user can fix and resend) with the attempts, and a
   * note on the email saying why — both in one $batch. A late failure never moves a sent email back.
   */
  async markFailed(outcome: SendOutcome & { reason: string }): Promise<void> {
    const current = await this.api.request<EmailRow>('GET', `emails(${outcome.emailId})?$select=statuscode`);
    if (current.body.statuscode === EMAIL_STATUS.sent) return;
    const [patch, note] = await this.api.batch([
      {
        method: 'PATCH', path: `emails(${outcome.emailId})`, headers: { 'If-Match': current.body['@odata.etag'] ?? '*' },
        body: { statecode: EMAIL_STATE.open, statuscode: EMAIL_STATUS.failed, deliveryattempts: outcome.deliveryAttempts },
      },
      {
        method: 'POST', path: 'annotations',
        body: { subject: 'MailRouter: the email could not be sent', notetext: outcome.reason, 'objectid_email@odata.bind': `/emails(${outcome.emailId})` },
      },
    ]);
    if (patch?.status === 412) throw new TransientError(`email ${outcome.emailId} changed while being marked failed; retrying`);
    if (patch?.status === 404) throw new DataversePermanentError(`no outgoing email ${outcome.emailId} in Dataverse`, 404);
    if (!patch || patch.status >= 300) throw new TransientError(`marking email ${outcome.emailId} failed answered ${patch?.status}`);
    if (!note || note.status >= 300) throw new TransientError(`the failure note of email ${outcome.emailId} answered ${note?.status}`);
  }
}
