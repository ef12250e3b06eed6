/**
 * The EWS EMULATOR: an HTTP(S) server answering the SOAP 1.1 Exchange Web Services requests
 * that ews-javascript-api sends, over an in-memory store. A test double, not Microsoft Exchange.
 */
import { createServer as createHttpServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Authenticator, AuthScheme } from './auth';
import { getUserSettings } from './autodiscover';
import { createFolder, findFolder, getFolder, getInboxRules, updateInboxRules } from './folder-rule-operations';
import { createItem, deleteItem, findItem, getItem, moveItem, syncFolderItems, updateItem } from './item-operations';
import { envelope, faultEnvelope, NO_MAILBOX, RequestContext, SoapFault } from './soap';
import { EwsStore } from './store';
import { child, parseXml, textAt, XmlElement, XmlParseError } from './xml';

/** Sent on every response: this is not Microsoft Exchange. */
export const EMULATOR_HEADER = 'X-MailRouter-Emulator';
export const EMULATOR_BANNER = 'MailRouter EWS EMULATOR - a test double, not Microsoft Exchange';
export const EWS_PATH = '/EWS/Exchange.asmx';
export const AUTODISCOVER_PATH = '/autodiscover/autodiscover.svc';

export interface EwsEmulatorOptions {
  port?: number;
  host?: string;
  /** Serve HTTPS with this PEM key and certificate (e.g. a self-signed one a test made). */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** Authentication schemes offered (default both). */
  auth?: AuthScheme[];
  /** The NTLM domain announced in challenges (default CONTOSO). */
  domain?: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  operation?: string;
  /** The authenticated account's address. */
  user?: string;
  /** The ExchangeImpersonation target, when there was one. */
  impersonating?: string;
  authorization: string;
  status: number;
  body: string;
  at: string;
}

export interface EwsEmulator {
  /** …/EWS/Exchange.asmx */
  url: string;
  /** …/autodiscover/autodiscover.svc */
  autodiscoverUrl: string;
  store: EwsStore;
  requests: RecordedRequest[];
  /** The next `count` authenticated SOAP requests fail: HTTP 503, or an ErrorServerBusy fault. */
  failNext(count: number, kind?: 'http-503' | 'server-busy'): void;
  close(): Promise<void>;
}

type Operation = (ctx: RequestContext, req: XmlElement) => string;
const OPERATIONS: Record<string, Operation> = {
  GetFolder: getFolder, FindFolder: findFolder, CreateFolder: createFolder,
  SyncFolderItems: syncFolderItems, FindItem: findItem, GetItem: getItem, UpdateItem: updateItem,
  MoveItem: moveItem, DeleteItem: deleteItem, CreateItem: createItem,
  GetInboxRules: getInboxRules, UpdateInboxRules: updateInboxRules,
};

interface Reply {
  status: number;
  body: string;
  headers?: Record<string, string | string[]>;
  contentType?: string;
}

/** Starts the emulator (port 0 = any free port). */
export async function startEwsEmulator(options: EwsEmulatorOptions = {}): Promise<EwsEmulator> {
  const store = new EwsStore();
  const auth = new Authenticator(store, options.auth ?? ['ntlm', 'basic'], 'EWS EMULATOR', options.domain ?? 'CONTOSO');
  const requests: RecordedRequest[] = [];
  const faults = { remaining: 0, kind: 'http-503' as 'http-503' | 'server-busy' };
  let base = '';

  const handle = (req: IncomingMessage, body: string): Reply & { record: Partial<RecordedRequest> } => {
    const path = (req.url ?? '/').split('?')[0].toLowerCase();
    const isEws = path === EWS_PATH.toLowerCase();
    if (!isEws && path !== AUTODISCOVER_PATH) {
      return { status: 404, contentType: 'text/html', body: '<html><body><h2>404 - File or directory not found.</h2><p>The resource you are looking for might have been removed (EWS EMULATOR).</p></body></html>', record: {} };
    }
    const who = auth.authenticate(req);
    if (!who.ok) {
      const challenge = who.ntlmChallenge ? [who.ntlmChallenge] : auth.challenges();
      return { status: 401, contentType: 'text/html', headers: { 'WWW-Authenticate': challenge }, body: `<html><body>401 - Unauthorized: Access is denied due to invalid credentials. (${who.reason})</body></html>`, record: {} };
    }
    const record: Partial<RecordedRequest> = { user: who.user.address };
    if (req.method !== 'POST') return { status: 200, contentType: 'text/html', body: `<html><body>${EMULATOR_BANNER}</body></html>`, record };
    if (faults.remaining > 0) {
      faults.remaining--;
      if (faults.kind === 'http-503') return { status: 503, contentType: 'text/html', body: '<html><body>503 Service Unavailable (injected by the EWS EMULATOR)</body></html>', record };
      return { status: 500, body: faultEnvelope('ErrorServerBusy', 'The server cannot service this request right now. Try again later.'), record };
    }
    let doc: XmlElement;
    try {
      doc = parseXml(body);
    } catch (err) {
      if (!(err instanceof XmlParseError)) throw err;
      return { status: 500, body: faultEnvelope('ErrorSchemaValidation', `The request failed schema validation: ${err.message}`), record };
    }
    if (!isEws) return { status: 200, body: getUserSettings(store, doc, `${base}${EWS_PATH}`), record: { ...record, operation: 'GetUserSettings' } };
    return { ...soap(who.user, doc, record), record };
  };

  const soap = (user: RequestContext['account'], doc: XmlElement, record: Partial<RecordedRequest>): Reply => {
    const op = child(doc, 'Body')?.children[0]?.name ?? '';
    record.operation = op;
    const impersonation = child(child(doc, 'Header'), 'ExchangeImpersonation');
    const sid = child(impersonation, 'ConnectingSID');
    const target = (textAt(sid, 'SmtpAddress') ?? textAt(sid, 'PrimarySmtpAddress') ?? textAt(sid, 'PrincipalName'))?.toLowerCase();
    try {
      if (impersonation) {
        record.impersonating = target;
        if (!target || !store.mailbox(target)) throw new SoapFault('ErrorNonExistentMailbox', NO_MAILBOX);
        if (!store.canImpersonate(user.address, target)) throw new SoapFault('ErrorImpersonateUserDenied', 'The account does not have permission to impersonate the requested user.');
      }
      const operation = OPERATIONS[op];
      if (!operation) throw new SoapFault('ErrorInvalidRequest', `The request is invalid: the EWS EMULATOR does not implement ${op || 'an empty body'}.`);
      const ctx: RequestContext = { store, account: user, actingAs: target ?? user.address, ewsUrl: `${base}${EWS_PATH}` };
      return { status: 200, body: envelope(operation(ctx, child(doc, 'Body')!.children[0])) };
    } catch (err) {
      if (err instanceof SoapFault) return { status: 500, body: faultEnvelope(err.code, err.message) };
      return { status: 500, body: faultEnvelope('ErrorInternalServerError', `An internal server error occurred in the EWS EMULATOR: ${(err as Error).message}`) };
    }
  };

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const out = handle(req, body);
      res.setHeader(EMULATOR_HEADER, EMULATOR_BANNER);
      res.setHeader('Content-Type', `${out.contentType ?? 'text/xml'}; charset=utf-8`);
      for (const [k, v] of Object.entries(out.headers ?? {})) res.setHeader(k, v);
      res.statusCode = out.status;
      res.end(out.body);
      requests.push({ method: req.method ?? 'GET', path: req.url ?? '/', authorization: (req.headers.authorization ?? '').split(' ')[0], status: out.status, body, at: new Date().toISOString(), ...out.record });
    });
  };

  const server: Server = options.tls ? createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, listener) : createHttpServer(listener);
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  base = `${options.tls ? 'https' : 'http'}://${options.host ?? '127.0.0.1'}:${port}`;
  return {
    url: `${base}${EWS_PATH}`,
    autodiscoverUrl: `${base}${AUTODISCOVER_PATH}`,
    store,
    requests,
    failNext(count, kind = 'http-503') {
      faults.remaining = count;
      faults.kind = kind;
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
