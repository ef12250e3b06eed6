import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EmulatorClient, TokenIssuer } from './auth';
import { formatBatchResponse, parseBatch } from './batch';
import type { Row } from './odata-filter';
import { EmulatorStore, isEntitySet } from './store';
import { API_PATH, ApiResponse, odataError, WebApi } from './web-api';

/** Sent on every response: this is not Microsoft Dataverse. */
export const EMULATOR_HEADER = 'X-MailRouter-Emulator';
export const EMULATOR_BANNER = 'MailRouter Dataverse EMULATOR - a test double, not Microsoft Dataverse';

export interface DataverseEmulatorOptions {
  port?: number;
  host?: string;
  tenantId?: string;
  clients?: EmulatorClient[];
  tokenLifetimeSeconds?: number;
}

export interface RecordedRequest {
  kind: 'token' | 'metadata' | 'api' | 'batch-part';
  method: string;
  path: string;
  headers: Record<string, string | undefined>;
  body: string;
  status: number;
  at: string;
}

export interface DataverseEmulator {
  /** http://127.0.0.1:<port> — the environment URL (Web API under /api/data/v9.2/). */
  url: string;
  /** The token authority: <url>/<tenantId>. */
  authority: string;
  tenantId: string;
  store: EmulatorStore;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

interface Faults {
  throttle: { remaining: number; retryAfterSeconds: number };
  failures: { remaining: number; status: number };
}

const DEFAULT_TENANT = 'e0000000-0000-4000-8000-00000000e001';

/** Starts the emulator (port 0 = any free port). */
export async function startDataverseEmulator(options: DataverseEmulatorOptions = {}): Promise<DataverseEmulator> {
  const tenantId = options.tenantId ?? DEFAULT_TENANT;
  const clients = options.clients ?? [{ clientId: 'emulator-client', clientSecret: 'emulator-secret' }];
  const issuer = new TokenIssuer(tenantId, options.tokenLifetimeSeconds ?? 3600);
  const store = new EmulatorStore();
  const api = new WebApi(store);
  const requests: RecordedRequest[] = [];
  const faults: Faults = { throttle: { remaining: 0, retryAfterSeconds: 1 }, failures: { remaining: 0, status: 503 } };
  let baseUrl = '';

  const server: Server = createServer((req, res) => {
    void readBody(req).then((body) => {
      res.setHeader(EMULATOR_HEADER, EMULATOR_BANNER);
      const path = req.url ?? '/';
      const record = (kind: RecordedRequest['kind'], status: number) =>
        requests.push({ kind, method: req.method ?? 'GET', path, headers: { ...req.headers } as Record<string, string>, body, status, at: new Date().toISOString() });
      try {
        if (path.startsWith('/_emulator/')) return control(req, res, path, body);
        if (path.startsWith(`/${tenantId}/`) || path.startsWith('/common/')) {
          const out = identity(req, path, body);
          record(out.status === 200 && !path.includes('/token') ? 'metadata' : 'token', out.status);
          return send(res, out);
        }
        if (path.startsWith(API_PATH)) {
          const out = webApi(req, path, body);
          record('api', out.status);
          return out.raw ? sendRaw(res, out.status, out.raw.contentType, out.raw.body, out.headers) : send(res, out);
        }
        send(res, { status: 404, body: { error: 'not found', emulator: EMULATOR_BANNER } });
      } catch (err) {
        send(res, odataError(500, '0x80040216', `emulator error: ${(err as Error).message}`));
      }
    });
  });

  function identity(req: IncomingMessage, path: string, body: string): ApiResponse {
    const authority = `https://${req.headers.host}/${tenantId}`;
    if (path.includes('/.well-known/openid-configuration') && req.method === 'GET') {
      return {
        status: 200,
        body: {
          issuer: `${authority}/v2.0`, token_endpoint: `${authority}/oauth2/v2.0/token`,
          authorization_endpoint: `${authority}/oauth2/v2.0/authorize`, end_session_endpoint: `${authority}/oauth2/v2.0/logout`,
          jwks_uri: `${authority}/discovery/v2.0/keys`, response_types_supported: ['code', 'token'],
          token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
          grant_types_supported: ['client_credentials'], tenant_region_scope: 'EMU', emulator: EMULATOR_BANNER,
        },
      };
    }
    if (path.split('?')[0] === `/${tenantId}/oauth2/v2.0/token` && req.method === 'POST') return token(new URLSearchParams(body));
    return { status: 404, body: { error: 'not_found', error_description: `${path} is not served by the emulator` } };
  }

  function token(form: URLSearchParams): ApiResponse {
    const tokenError = (status: number, error: string, code: number, description: string): ApiResponse => ({
      status,
      body: { error, error_description: `AADSTS${code}: ${description}`, error_codes: [code], timestamp: new Date().toISOString(), trace_id: 'emulator', correlation_id: 'emulator' },
    });
    if (form.get('grant_type') !== 'client_credentials') return tokenError(400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type.');
    const client = clients.find((c) => c.clientId === form.get('client_id'));
    if (!client) return tokenError(400, 'unauthorized_client', 700016, `Application with identifier '${form.get('client_id')}' was not found in the directory '${tenantId}'.`);
    if (form.get('client_secret') !== client.clientSecret) {
      return tokenError(401, 'invalid_client', 7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${client.clientId}'.`);
    }
    const scope = form.get('scope') ?? '';
    const resource = scope.split(' ').find((s) => s.endsWith('/.default'))?.replace(/\/\.default$/, '');
    if (!resource) return tokenError(400, 'invalid_scope', 1002012, 'The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier.');
    const issued = issuer.issue(client.clientId, resource);
    return { status: 200, body: { token_type: 'Bearer', expires_in: issued.expiresIn, ext_expires_in: issued.expiresIn, access_token: issued.token } };
  }

  function authorize(headers: IncomingMessage['headers']): ApiResponse | undefined {
    const auth = headers.authorization ?? '';
    const challenge = { 'WWW-Authenticate': `Bearer authorization_uri=https://${headers.host}/${tenantId}/oauth2/authorize, resource_id=${baseUrl}/` };
    if (!auth.startsWith('Bearer ')) return { ...odataError(401, '0x80072560', 'The request has no bearer token (Authorization: Bearer <token>).'), headers: challenge };
    const verdict = issuer.verify(auth.slice(7));
    if (verdict.error) return { ...odataError(401, '0x80072560', verdict.error), headers: challenge };
    return undefined;
  }

  function fault(): ApiResponse | undefined {
    if (faults.throttle.remaining > 0) {
      faults.throttle.remaining--;
      return {
        ...odataError(429, '0x80072322', 'Number of requests exceeded the limit of 6000 over time window of 300 seconds.'),
        headers: { 'Retry-After': String(faults.throttle.retryAfterSeconds) },
      };
    }
    if (faults.failures.remaining > 0) {
      faults.failures.remaining--;
      return odataError(faults.failures.status, '0x80040216', 'An unexpected error occurred (injected by the emulator).');
    }
    return undefined;
  }

  function webApi(req: IncomingMessage, path: string, body: string): ApiResponse & { raw?: { contentType: string; body: string } } {
    const denied = authorize(req.headers);
    if (denied) return denied;
    const injected = fault();
    if (injected) return injected;
    const resource = path.slice(API_PATH.length);
    if (resource === '$batch' && req.method === 'POST') {
      const parts = parseBatch(req.headers['content-type'], body);
      const responses = parts.map((part) => {
        const rel = part.url.replace(/^https?:\/\/[^/]+/, '');
        const out = api.handle({ method: part.method, resource: rel.startsWith(API_PATH) ? rel.slice(API_PATH.length) : rel, headers: part.headers, body: part.body, baseUrl });
        requests.push({ kind: 'batch-part', method: part.method, path: rel, headers: part.headers, body: part.body, status: out.status, at: new Date().toISOString() });
        return { status: out.status, headers: { ...(out.body ? { 'Content-Type': 'application/json; odata.metadata=minimal' } : {}), ...(out.headers ?? {}) }, body: out.body ? JSON.stringify(out.body) : '' };
      });
      const formatted = formatBatchResponse(responses);
      return { status: 200, raw: formatted };
    }
    return api.handle({ method: req.method ?? 'GET', resource: decodeURIComponent(resource.split('?')[0]) + (resource.includes('?') ? `?${resource.split('?').slice(1).join('?')}` : ''), headers: req.headers as Record<string, string>, body, baseUrl });
  }

  function control(req: IncomingMessage, res: ServerResponse, path: string, body: string): void {
    const data = body ? (JSON.parse(body) as Row) : {};
    const [, , action, set, id] = path.split('?')[0].split('/');
    if (action === 'reset' && req.method === 'POST') {
      store.reset();
      requests.length = 0;
      faults.throttle.remaining = 0;
      faults.failures.remaining = 0;
      return send(res, { status: 204 });
    }
    if (action === 'throttle' && req.method === 'POST') {
      faults.throttle = { remaining: Number(data.count ?? 1), retryAfterSeconds: Number(data.retryAfterSeconds ?? 1) };
      return send(res, { status: 204 });
    }
    if (action === 'fail' && req.method === 'POST') {
      faults.failures = { remaining: Number(data.count ?? 1), status: Number(data.status ?? 503) };
      return send(res, { status: 204 });
    }
    if (action === 'requests') {
      if (req.method === 'DELETE') { requests.length = 0; return send(res, { status: 204 }); }
      return send(res, { status: 200, body: requests });
    }
    if (action === 'records' && set && isEntitySet(set)) {
      if (req.method === 'POST') return send(res, { status: 201, body: store.create(set, data) });
      if (req.method === 'PATCH' && id) return send(res, { status: 200, body: store.update(set, id, data) ?? null });
      if (id) {
        const row = store.get(set, id);
        return send(res, row ? { status: 200, body: row } : { status: 404, body: { error: `${set}(${id}) not found` } });
      }
      return send(res, { status: 200, body: store.list(set) });
    }
    send(res, { status: 404, body: { error: `unknown control endpoint ${path}` } });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://${options.host ?? '127.0.0.1'}:${port}`;
  return {
    url: baseUrl, authority: `${baseUrl}/${tenantId}`, tenantId, store, requests,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, out: ApiResponse): void {
  const headers: Record<string, string> = { 'OData-Version': '4.0', ...(out.headers ?? {}) };
  if (out.body === undefined) {
    res.writeHead(out.status, headers).end();
    return;
  }
  res.writeHead(out.status, { ...headers, 'Content-Type': 'application/json; odata.metadata=minimal; charset=utf-8' }).end(JSON.stringify(out.body));
}

function sendRaw(res: ServerResponse, status: number, contentType: string, body: string, headers?: Record<string, string>): void {
  res.writeHead(status, { 'OData-Version': '4.0', ...(headers ?? {}), 'Content-Type': contentType }).end(body);
}
