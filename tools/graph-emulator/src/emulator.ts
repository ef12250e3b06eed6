/**
 * The Microsoft Graph EMULATOR's HTTP server: a test double, not Microsoft Graph. It serves the
 * Entra ID endpoints msal-node uses and the Outlook mail slice of Graph v1.0 MailRouter drives,
 * with bearer checks, per-mailbox injected throttling/failures and a record of concurrency.
 */
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Entra } from './entra';
import { ApiResponse, graphError } from './graph-json';
import { handleGraph, mailboxOf } from './mail-api';
import { GraphStore } from './store';

export const EMULATOR_HEADER = 'X-MailRouter-Emulator';
export const EMULATOR_BANNER = 'MailRouter Graph EMULATOR - a test double, not Microsoft Graph';
export const DEFAULT_TENANT_ID = 'e0000000-0000-4000-8000-00000000a001';

export interface GraphEmulatorOptions {
  port?: number;
  host?: string;
  tenantId?: string;
  /** App registrations of the tenant (client credentials with a secret). */
  clients?: { clientId: string; clientSecret: string }[];
  tokenLifetimeSeconds?: number;
  /** Each Graph request is held this long before it is answered, so concurrency can be observed. */
  holdMs?: number;
}

export interface RecordedRequest {
  kind: 'token' | 'discovery' | 'graph' | 'other';
  method: string;
  path: string;
  mailbox?: string;
  status: number;
  at: number;
}

export interface InjectedFault {
  status: 429 | 503 | 504 | number;
  /** Sent as Retry-After (seconds) when set. */
  retryAfterSeconds?: number;
}

export interface GraphEmulator {
  /** `http://127.0.0.1:<port>/v1.0` — Graph's root. */
  baseUrl: string;
  /** `http://127.0.0.1:<port>/<tenantId>` — the token authority. */
  authority: string;
  tenantId: string;
  store: GraphStore;
  requests: RecordedRequest[];
  /** The next `count` Graph requests for `mailbox` answer `fault` (429 with Retry-After, 503, 504…). */
  failNext(mailbox: string, count: number, fault: InjectedFault): void;
  /** The most Graph requests seen in flight at once for each mailbox (lower-case address). */
  maxInFlight: Map<string, number>;
  /** Tokens issued so far by the token endpoint. */
  tokensIssued(): number;
  setHoldMs(ms: number): void;
  close(): Promise<void>;
}

/** Starts the emulator (port 0 = any free port). */
export async function startGraphEmulator(options: GraphEmulatorOptions = {}): Promise<GraphEmulator> {
  const tenantId = (options.tenantId ?? DEFAULT_TENANT_ID).toLowerCase();
  const store = new GraphStore();
  store.addTenant(tenantId);
  for (const c of options.clients ?? [{ clientId: 'emulator-client', clientSecret: 'emulator-secret' }]) {
    store.addApp({ tenantId, clientId: c.clientId, secret: c.clientSecret });
  }
  const entra = new Entra(store, options.tokenLifetimeSeconds ?? 3600);
  const requests: RecordedRequest[] = [];
  const faults = new Map<string, InjectedFault[]>();
  const inFlight = new Map<string, number>();
  const maxInFlight = new Map<string, number>();
  let holdMs = options.holdMs ?? 0;
  let origin = '';

  async function graph(req: IncomingMessage, path: string, body: Buffer): Promise<ApiResponse & { mailbox?: string }> {
    const url = new URL(path, origin);
    const segments = url.pathname.split('/').filter(Boolean).slice(1).map(decodeURIComponent);
    const auth = String(req.headers.authorization ?? '');
    if (!auth.startsWith('Bearer ') || auth.length <= 7) return graphError(401, 'InvalidAuthenticationToken', 'Access token is empty.');
    const verdict = entra.verify(auth.slice(7));
    if (verdict.error || !verdict.claims) return graphError(401, 'InvalidAuthenticationToken', verdict.error ?? 'Access token validation failure.');
    const app = store.app(String(verdict.claims.tid), String(verdict.claims.appid));
    if (!app) return graphError(401, 'InvalidAuthenticationToken', 'Access token validation failure. The application no longer exists.');
    const mailbox = mailboxOf(segments);
    const key = mailbox ? (store.mailbox(mailbox)?.address ?? mailbox) : '';
    inFlight.set(key, (inFlight.get(key) ?? 0) + 1);
    maxInFlight.set(key, Math.max(maxInFlight.get(key) ?? 0, inFlight.get(key) ?? 0));
    try {
      if (holdMs > 0) await new Promise((r) => setTimeout(r, holdMs));
      const fault = faults.get(key)?.shift();
      if (fault) {
        const headers: Record<string, string> = fault.retryAfterSeconds !== undefined ? { 'Retry-After': String(fault.retryAfterSeconds) } : {};
        if (fault.status === 429) return { ...graphError(429, 'ApplicationThrottled', 'Application is over its MailboxConcurrency limit.', headers), mailbox: key };
        return { ...graphError(fault.status, fault.status === 504 ? 'GatewayTimeout' : 'ServiceUnavailable', `The service is temporarily unavailable (injected by the emulator: ${fault.status}).`, headers), mailbox: key };
      }
      return { ...handleGraph(store, { method: req.method ?? 'GET', segments, query: url.searchParams, headers: req.headers, body, app, baseUrl: `${origin}/v1.0` }), mailbox: key };
    } finally {
      inFlight.set(key, (inFlight.get(key) ?? 1) - 1);
    }
  }

  async function route(req: IncomingMessage, path: string, body: Buffer): Promise<{ kind: RecordedRequest['kind']; out: ApiResponse & { mailbox?: string } }> {
    if (path === '/v1.0' || path.startsWith('/v1.0/')) return { kind: 'graph', out: await graph(req, path, body) };
    const identity = entra.handle(req.method ?? 'GET', path, body.toString('utf8'), origin);
    if (identity) {
      const out: ApiResponse = { status: identity.status, json: identity.body };
      return { kind: path.includes('/token') ? 'token' : 'discovery', out };
    }
    return { kind: 'other', out: { status: 404, json: { error: { code: 'NotFound', message: `${path} is not served by the ${EMULATOR_BANNER}` } } } };
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      route(req, path, Buffer.concat(chunks))
        .then(({ kind, out }) => {
          requests.push({ kind, method: req.method ?? 'GET', path, ...(out.mailbox ? { mailbox: out.mailbox } : {}), status: out.status, at: Date.now() });
          send(res, out);
        })
        .catch((err: Error) => send(res, graphError(500, 'InternalServerError', `emulator error: ${err.message}`)));
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  origin = `http://${options.host ?? '127.0.0.1'}:${port}`;
  return {
    baseUrl: `${origin}/v1.0`, authority: `${origin}/${tenantId}`, tenantId, store, requests, maxInFlight,
    failNext: (mailbox, count, fault) => {
      const list = faults.get(mailbox.toLowerCase()) ?? [];
      for (let i = 0; i < count; i++) list.push(fault);
      faults.set(mailbox.toLowerCase(), list);
    },
    tokensIssued: () => entra.tokensIssued,
    setHoldMs: (ms) => { holdMs = ms; },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

function send(res: ServerResponse, out: ApiResponse): void {
  const headers: Record<string, string> = { [EMULATOR_HEADER]: EMULATOR_BANNER, ...(out.headers ?? {}) };
  if (out.raw) {
    res.writeHead(out.status, { ...headers, 'Content-Type': out.raw.contentType, 'Content-Length': String(out.raw.body.length) }).end(out.raw.body);
  } else if (out.json !== undefined) {
    res.writeHead(out.status, { ...headers, 'Content-Type': 'application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8' }).end(JSON.stringify(out.json));
  } else {
    res.writeHead(out.status, headers).end();
  }
}
