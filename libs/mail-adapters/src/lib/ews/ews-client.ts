import {
  AutodiscoverService, ConnectingIdType, ExchangeService, ExchangeVersion, FolderId, ImpersonatedUserId, Mailbox,
  ServiceError, ServiceResponseException, SoapFaultDetails, Uri, UserSettingName, WebCredentials, WellKnownFolderName,
} from 'ews-javascript-api';
import type { ServerConnection } from '../endpoint';
import { withTimeout } from '../incoming/mailbox-session';
import { GuardedXhr, HttpFailure } from './ews-xhr';

/** How long an Autodiscover answer is reused for one address. */
export const AUTODISCOVER_CACHE_MS = 60 * 60 * 1000;
/** Exchange 2013 schema: understood by 2013, 2016, 2019 and Subscription Edition. */
const EWS_VERSION = ExchangeVersion.Exchange2013;

export type EwsFailureKind = 'auth' | 'tls' | 'network' | 'timeout' | 'http' | 'ews' | 'autodiscover' | 'config';

/** A failed EWS call, with the server's words and what kind of failure it was. */
export class EwsCallError extends Error {
  constructor(message: string, readonly kind: EwsFailureKind, readonly ewsCode?: string, readonly httpStatus?: number) {
    super(message);
    this.name = 'EwsCallError';
  }
}

const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|EPROTO|SSL/;
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);

/** Turns whatever ews-javascript-api threw into an EwsCallError carrying the server's words. */
export function ewsError(err: unknown, failure: HttpFailure | undefined, what: string): EwsCallError {
  if (err instanceof EwsCallError) return err;
  if (err instanceof ServiceResponseException) {
    const code = ServiceError[err.ErrorCode];
    return new EwsCallError(`${what}: ${code}: ${err.Message}`, 'ews', code);
  }
  const http = failure?.status;
  if (http === 401) return new EwsCallError(`${what}: HTTP 401 Unauthorized from ${failure?.url}: the server refused the credentials`, 'auth', undefined, 401);
  if (err instanceof SoapFaultDetails && err.ResponseCode && err.HttpStatusCode === 500) {
    const code = ServiceError[err.ResponseCode];
    return new EwsCallError(`${what}: ${code}: ${err.Message || err.FaultString || err.message}`, 'ews', code, 500);
  }
  if (failure?.code) {
    const kind = TLS_CODES.test(failure.code) ? 'tls' : failure.code === 'ECONNABORTED' || failure.code === 'ETIMEDOUT' ? 'timeout' : 'network';
    const prefix = kind === 'tls' ? 'TLS failure: ' : '';
    return new EwsCallError(`${what}: ${prefix}${failure.message} (${failure.code}, ${failure.url})`, kind);
  }
  if (http) return new EwsCallError(`${what}: ${failure?.message} from ${failure?.url}`, 'http', undefined, http);
  const e = err as { message?: unknown; code?: unknown };
  if (e && e.code === 'ETIMEDOUT') return new EwsCallError(`${what}: ${String(e.message)}`, 'timeout');
  const text = typeof err === 'string' ? err : typeof e?.message === 'string' && e.message ? e.message : String(err);
  return new EwsCallError(`${what}: ${text}`, 'ews');
}

export function isNetworkCode(code: string | undefined): boolean {
  return !!code && NETWORK_CODES.has(code);
}

/** One mailbox over EWS: the service, its private HTTP client, and how folders of that mailbox are named. */
export interface EwsClient {
  service: ExchangeService;
  xhr: GuardedXhr;
  url: string;
  /** The mailbox acted on. */
  mailbox: string;
  /** "u@x as CONTOSO\svc by impersonation", for messages. */
  describe: string;
  folder(name: WellKnownFolderName): FolderId;
  /** Runs one call bounded by `ms`, errors turned into EwsCallError with the server's words. */
  call<T>(what: string, ms: number, work: () => Promise<T>): Promise<T>;
}

export interface ClientOptions {
  timeoutMs: number;
  /** The mailbox to act on (default conn.mailbox). */
  mailbox?: string;
  /** Ignore conn.ews.mailboxAccess: act with the credentials' own mailbox (on-behalf sending). */
  ownMailbox?: boolean;
}

function login(conn: ServerConnection): string {
  const user = conn.auth.username ?? '';
  return conn.auth.domain && !user.includes('\\') && !user.includes('@') ? `${conn.auth.domain}\\${user}` : user;
}

export function newXhr(conn: ServerConnection, timeoutMs: number): GuardedXhr {
  if (conn.auth.type !== 'basic' && conn.auth.type !== 'ntlm') throw new EwsCallError(`EWS supports basic and ntlm authentication, not ${conn.auth.type}`, 'config');
  if (!conn.auth.username || !conn.auth.password) throw new EwsCallError('EWS needs a username and a password', 'config');
  return new GuardedXhr({ username: login(conn), password: conn.auth.password, ntlm: conn.auth.type === 'ntlm', rejectUnauthorized: !conn.allowInvalidCertificates, timeoutMs });
}

function bounded<T>(xhr: GuardedXhr, what: string, ms: number, work: () => Promise<T>): Promise<T> {
  return withTimeout(what, ms, work(), () => xhr.disconnect()).catch((err: unknown) => {
    throw ewsError(err, xhr.lastFailure, what);
  });
}

const autodiscovered = new Map<string, { url: string; at: number }>();

/** The EWS URL: conn.ews.url, else Autodiscover (GetUserSettings) for the address, cached a while. */
export async function resolveEwsUrl(conn: ServerConnection, address: string, timeoutMs: number): Promise<string> {
  if (conn.ews?.url) return conn.ews.url;
  const key = `${conn.ews?.autodiscoverUrl ?? ''}|${address.toLowerCase()}`;
  const cached = autodiscovered.get(key);
  if (cached && Date.now() - cached.at < AUTODISCOVER_CACHE_MS) return cached.url;
  const xhr = newXhr(conn, timeoutMs);
  const auto = new AutodiscoverService(EWS_VERSION);
  auto.Credentials = new WebCredentials(login(conn), conn.auth.password ?? '');
  auto.XHRApi = xhr;
  if (conn.ews?.autodiscoverUrl) auto.Url = new Uri(conn.ews.autodiscoverUrl);
  const what = `Autodiscover found no EWS URL for ${address}`;
  const response = await bounded(xhr, what, timeoutMs, () => auto.GetUserSettings(address, [UserSettingName.ExternalEwsUrl, UserSettingName.InternalEwsUrl]))
    .catch((err: EwsCallError) => {
      throw new EwsCallError(err.message, 'autodiscover', err.ewsCode, err.httpStatus);
    });
  if (response.ErrorCode !== 0) throw new EwsCallError(`${what}: ${response.ErrorMessage}`, 'autodiscover');
  const url = (response.Settings.get(UserSettingName.ExternalEwsUrl) ?? response.Settings.get(UserSettingName.InternalEwsUrl)) as string | undefined;
  if (!url) throw new EwsCallError(`${what}: the answer has neither ExternalEwsUrl nor InternalEwsUrl`, 'autodiscover');
  autodiscovered.set(key, { url, at: Date.now() });
  return url;
}

/** Forgets Autodiscover answers (tests, or after the admin changed the endpoint). */
export function clearAutodiscoverCache(): void {
  autodiscovered.clear();
}

/** An EwsClient for the connection's mailbox (or `opts.mailbox`), credentials and access mode applied. */
export async function connectEws(conn: ServerConnection, opts: ClientOptions): Promise<EwsClient> {
  const mailbox = (opts.mailbox ?? conn.mailbox ?? (conn.auth.username?.includes('@') ? conn.auth.username : undefined))?.toLowerCase();
  if (!mailbox) throw new EwsCallError('EWS needs the mailbox address (the endpoint has no mailbox)', 'config');
  const xhr = newXhr(conn, opts.timeoutMs);
  const url = await resolveEwsUrl(conn, mailbox, opts.timeoutMs);
  const service = new ExchangeService(EWS_VERSION);
  service.Credentials = new WebCredentials(login(conn), conn.auth.password ?? '');
  service.XHRApi = xhr;
  service.Timeout = opts.timeoutMs;
  try {
    service.Url = new Uri(url);
  } catch (err) {
    throw new EwsCallError(`invalid EWS URL ${url}: ${(err as Error).message}`, 'config');
  }
  const access = opts.ownMailbox ? undefined : conn.ews?.mailboxAccess;
  if (access === 'impersonation') service.ImpersonatedUserId = new ImpersonatedUserId(ConnectingIdType.SmtpAddress, mailbox);
  const describe = `${mailbox} as ${login(conn)}${access ? ` by ${access}` : ''}`;
  return {
    service, xhr, url, mailbox, describe,
    // Delegate access names the other mailbox in every FolderId; impersonation and own access do not need to.
    folder: (name) => (access === 'delegate' ? new FolderId(name, new Mailbox(mailbox)) : new FolderId(name)),
    call: (what, ms, work) => bounded(xhr, what, ms, work),
  };
}
