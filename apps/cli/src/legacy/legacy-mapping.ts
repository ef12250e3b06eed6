import type { Json } from '../support/api-client';
import type { ConfigDocument } from '../config/config-document';
import { envPart } from '../config/config-export';
import { boolOf, childElements, intOf, textOf, unknownChildren, XmlElement } from './legacy-xml';

/** One element or setting of the original file that did not become part of the draft, and why. */
export interface Unmapped {
  at: string;
  reason: string;
}

export interface LegacyImport {
  doc: ConfigDocument;
  unmapped: Unmapped[];
  /** Env names that, when set, supply passwords the original kept encrypted. */
  secretEnv: { env: string; what: string; requiredFor?: string }[];
}

const SYSTEM_REASONS: Record<string, string> = {
  maxthreads: 'MailRouter sizes its work per service (incoming/outgoing concurrency settings in .env), not one thread pool',
  maxthreadexecution: 'per-operation timeouts are service settings (connect/command timeouts), not one thread limit',
  schedulingperiod: 'the services schedule each mailbox by its profile\'s poll interval (and IMAP IDLE)',
  configrefreshperiod: 'a published configuration reaches the services at once (NATS), no file re-read',
  configupdateperiod: 'users and queues are loaded from the CRM on demand: POST /api/v1/deployments/{id}/load-data',
  loglevel: 'LOG_LEVEL is an environment variable of each service',
};

const PROFILE_KEYS = ['ProfileName', 'Name', 'Direction', 'ProviderAssembly', 'ProviderClass', 'EmailServerType', 'EmailServer', 'EmailServerUrl', 'EmailPort', 'EmailUseSSL', 'EmailAuthMode', 'EmailAccessCredentials', 'EmailUser', 'EmailPassword', 'UseAutodiscover', 'PollingPeriod', 'EmailSendAccess'];
const MAILBOX_KEYS = ['Name', 'EmailAddress', 'CrmUserId', 'CrmQueueId', 'IncomingProfile', 'OutgoingProfile', 'EmailUser', 'EmailPassword', 'DeleteMessagesAfterProcessing'];
const DEPLOYMENT_KEYS = ['DeploymentName', 'Name', 'DeploymentType', 'CrmServerUrl', 'CrmOrgName', 'CrmAuthMode', 'AccessCredentials', 'CrmUser', 'CrmPassword', 'DefaultIncomingProfile', 'DefaultOutgoingProfile', 'Users', 'Queues', 'ForwardMailboxes'];

export function mapLegacy(root: XmlElement): LegacyImport {
  const out: LegacyImport = { doc: { profiles: [], deployments: [], mailboxes: [] }, unmapped: [], secretEnv: [] };
  const note = (at: string, reason: string) => out.unmapped.push({ at, reason });
  const mappedProfiles = new Set<string>();
  for (const el of childElements(root)) {
    const tag = el.tagName;
    if (tag === 'SystemConfiguration') {
      for (const s of childElements(el)) note(`SystemConfiguration/${s.tagName} = ${s.textContent?.trim()}`, SYSTEM_REASONS[s.tagName.toLowerCase()] ?? 'no MailRouter equivalent');
    } else if (tag === 'ProviderConfiguration') {
      const profile = mapProfile(el, note, out);
      if (profile) {
        out.doc.profiles.push(profile);
        mappedProfiles.add(String(profile.name));
      }
    } else if (tag !== 'Deployment') note(`<${tag}>`, 'not an element of the E-mail Router configuration MailRouter knows; ignored');
  }
  for (const el of childElements(root, 'Deployment')) mapDeployment(el, mappedProfiles, note, out);
  return out;
}

type Note = (at: string, reason: string) => void;

function mapProfile(el: XmlElement, note: Note, out: LegacyImport): Json | undefined {
  const name = textOf(el, 'ProfileName', 'Name') ?? textOf(el, 'ProviderClass') ?? '(unnamed)';
  const at = `ProviderConfiguration "${name}"`;
  const type = (textOf(el, 'EmailServerType') ?? textOf(el, 'ProviderClass') ?? '').toLowerCase();
  const direction = (textOf(el, 'Direction') ?? (/send/i.test(textOf(el, 'ProviderClass') ?? '') ? 'outgoing' : 'incoming')).toLowerCase();
  if (/2003|webdav/.test(type)) return void note(at, 'Exchange 2003 (WebDAV) profile: MailRouter speaks IMAP, POP3, SMTP, EWS (Exchange 2013 and later) and Microsoft Graph; create a profile of one of those');
  if (/2007/.test(type)) return void note(at, 'Exchange 2007 profile: its EWS (Exchange2007_SP1) is older than MailRouter\'s EWS support (Exchange 2013 and later); move the mailboxes to a newer Exchange or use IMAP/POP3');
  if (/online/.test(type)) return void note(at, 'Exchange Online profile: Exchange Online is reached through Microsoft Graph, which needs an app registration (tenant id, client id, secret or certificate) the original file does not have; create a graph profile');
  const protocol = /pop3/.test(type) ? 'pop3' : /smtp/.test(type) ? 'smtp' : /exchange|ews/.test(type) ? 'ews' : undefined;
  if (!protocol) return void note(at, `unknown server type "${textOf(el, 'EmailServerType') ?? ''}"`);
  const profile: Json = { name, direction: direction === 'outgoing' ? 'outgoing' : 'incoming', protocol };
  const ssl = boolOf(el, 'EmailUseSSL');
  const port = intOf(el, 'EmailPort');
  if (protocol === 'ews') {
    const url = textOf(el, 'EmailServerUrl');
    profile.ews = boolOf(el, 'UseAutodiscover') || !url ? { autodiscover: true } : { url };
  } else {
    const host = textOf(el, 'EmailServer', 'EmailServerUrl');
    if (!host) return void note(at, 'no EmailServer: the profile needs a server');
    profile.host = host.replace(/^[a-z]+:\/\//i, '').replace(/[/:].*$/, '');
    if (port) profile.port = port;
    profile.security = !ssl ? 'none' : protocol === 'smtp' && port !== 465 ? 'starttls' : 'tls';
  }
  const auth = (textOf(el, 'EmailAuthMode') ?? 'Clear').toLowerCase();
  if (auth === 'anonymous') profile.auth = { type: 'none' };
  else if (/windows|ntlm|negotiate/.test(auth)) {
    if (protocol === 'ews') profile.auth = { type: 'ntlm' };
    else {
      profile.auth = { type: 'basic' };
      note(`${at}/EmailAuthMode = ${textOf(el, 'EmailAuthMode')}`, `Windows authentication is offered for EWS only; this ${protocol.toUpperCase()} profile uses basic (user name and password)`);
    }
  } else profile.auth = { type: 'basic' };
  const creds = (textOf(el, 'EmailAccessCredentials') ?? 'UserSpecified').toLowerCase();
  if (creds === 'otherspecified') {
    profile.credentials = 'profile';
    profile.username = textOf(el, 'EmailUser') ?? null;
    const env = `MAILROUTER_SECRET_PROFILE_${envPart(name)}_PASSWORD`;
    profile.passwordFrom = { env };
    out.secretEnv.push({ env, what: `profile "${name}" password (account ${profile.username})`, requiredFor: `profile "${name}"` });
  } else {
    profile.credentials = 'mailbox';
    if (creds === 'localsystem') note(`${at}/EmailAccessCredentials = LocalSystem`, 'the router service\'s Windows account has no equivalent here; each mailbox\'s own credentials are used (enter them)');
  }
  const polling = intOf(el, 'PollingPeriod');
  if (polling && profile.direction === 'incoming') profile.pollIntervalSeconds = Math.max(1, Math.ceil(polling / 1000));
  const sendAccess = textOf(el, 'EmailSendAccess');
  if (sendAccess) note(`${at}/EmailSendAccess = ${sendAccess}`, 'send-as / on-behalf is set on EWS and Graph outgoing profiles in MailRouter; set sendAccess after import if needed');
  for (const u of unknownChildren(el, PROFILE_KEYS)) note(`${at}/${u.tagName} = ${u.textContent?.trim()}`, settingReason(u.tagName));
  return profile;
}

function settingReason(tag: string): string {
  const t = tag.toLowerCase();
  if (/deliveryattempts|sendingstatusdelay|pendingstatusdelay/.test(t)) return 'outgoing retries and delays are settings of the outgoing service (.env), not of a profile';
  if (/retrievemessagecount|batchsize|cachecapacity/.test(t)) return 'batching is tuned per service (.env), not per profile';
  return 'no MailRouter equivalent; ignored';
}

function mapDeployment(el: XmlElement, profiles: Set<string>, note: Note, out: LegacyImport): void {
  const url = textOf(el, 'CrmServerUrl');
  const org = textOf(el, 'CrmOrgName');
  const name = textOf(el, 'DeploymentName', 'Name') ?? org ?? url ?? 'Imported deployment';
  const at = `Deployment "${name}"`;
  const dep: Json = { name };
  note(`${at}/CrmServerUrl = ${url ?? ''}${org ? ` (organisation ${org})` : ''}`, 'created with the built-in CRM: MailRouter reaches Dynamics 365 through the Dataverse Web API with an app registration (tenant id, client id, client secret) the original file does not have; set `crm` on the deployment to connect it');
  for (const tag of ['CrmAuthMode', 'AccessCredentials', 'CrmUser', 'CrmPassword', 'DeploymentType']) {
    const v = textOf(el, tag);
    if (v) note(`${at}/${tag} = ${tag === 'CrmPassword' ? '(encrypted)' : v}`, 'CRM access is the Dataverse app registration (or the built-in CRM); Windows/claims credentials do not carry over');
  }
  const profileRef = (tag: string, key: string) => {
    const ref = textOf(el, tag);
    if (!ref) return;
    if (profiles.has(ref)) dep[key] = ref;
    else note(`${at}/${tag} = ${ref}`, 'that profile was not imported (see above); choose another default');
  };
  profileRef('DefaultIncomingProfile', 'incomingProfile');
  profileRef('DefaultOutgoingProfile', 'outgoingProfile');
  for (const u of unknownChildren(el, DEPLOYMENT_KEYS)) note(`${at}/${u.tagName}`, 'no MailRouter equivalent; ignored');
  out.doc.deployments.push(dep);
  const groups: [string, string, string][] = [['Users', 'User', 'user'], ['Queues', 'Queue', 'queue'], ['ForwardMailboxes', 'ForwardMailbox', 'forward']];
  for (const [group, tag, kind] of groups) {
    for (const g of childElements(el, group)) for (const m of childElements(g, tag)) mapMailbox(m, kind, name, profiles, note, out);
  }
}

function mapMailbox(el: XmlElement, kind: string, deployment: string, profiles: Set<string>, note: Note, out: LegacyImport): void {
  const address = textOf(el, 'EmailAddress')?.toLowerCase();
  const at = `${kind} "${textOf(el, 'Name') ?? address ?? '?'}" (deployment "${deployment}")`;
  if (!address) return void note(at, 'no EmailAddress: a mailbox needs one');
  const m: Json = { deployment, address, kind };
  const name = textOf(el, 'Name');
  if (name) m.name = name;
  const crmId = textOf(el, 'CrmUserId', 'CrmQueueId');
  if (crmId) m.crmId = crmId.replace(/[{}]/g, '').toLowerCase();
  const user = textOf(el, 'EmailUser');
  if (user) m.username = user;
  for (const [tag, key] of [['IncomingProfile', 'incomingProfile'], ['OutgoingProfile', 'outgoingProfile']] as const) {
    const ref = textOf(el, tag);
    if (!ref) continue;
    if (profiles.has(ref)) m[key] = ref;
    else note(`${at}/${tag} = ${ref}`, 'that profile was not imported; the mailbox uses its deployment\'s default');
  }
  if (kind === 'forward') m.deleteAfterProcessing = boolOf(el, 'DeleteMessagesAfterProcessing') ?? false;
  if (textOf(el, 'EmailPassword')) {
    const env = `MAILROUTER_SECRET_MAILBOX_${envPart(`${deployment} ${address}`)}_PASSWORD`;
    m.passwordFrom = { env };
    out.secretEnv.push({ env, what: `${kind} ${address} password` });
  }
  for (const u of unknownChildren(el, MAILBOX_KEYS)) note(`${at}/${u.tagName}`, 'no MailRouter equivalent; ignored');
  out.doc.mailboxes.push(m);
}
