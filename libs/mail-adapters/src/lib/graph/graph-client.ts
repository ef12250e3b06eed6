/**
 * Calls to Microsoft Graph v1.0 for one mailbox: bearer token from the shared provider, at most
 * GRAPH_MAILBOX_CONCURRENCY calls in flight per mailbox in the process, 429/503 waited out per
 * Retry-After, other 5xx and network errors retried with exponential backoff, every attempt
 * bounded in time. Plain fetch rather than @microsoft/microsoft-graph-client: its RetryHandler
 * does not retry network errors, cannot hold our per-mailbox slot or stream /$value under a size
 * limit, and would add a second retry loop around ours.
 */
import type { ServerConnection } from '../endpoint';
import { resolveSessionOptions, type SessionOptions } from '../incoming/mailbox-session';
import { withMailboxSlot } from './mailbox-limiter';
import { graphTokenProvider, type GraphTokenProvider } from './graph-token';

export const DEFAULT_GRAPH_BASE_URL = 'https://graph.microsoft.com/v1.0';

export interface GraphRetryPolicy {
  /** Attempts per call, the first included. */
  maxAttempts: number;
  /** Backoff after a 5xx/network failure: base × 2^(attempt-1), capped, with jitter. */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** A Retry-After longer than this is not waited: the call fails (transient). */
  maxRetryAfterMs: number;
}

export const DEFAULT_GRAPH_RETRY: GraphRetryPolicy = { maxAttempts: 5, backoffBaseMs: 1_000, backoffMaxMs: 30_000, maxRetryAfterMs: 120_000 };

export interface GraphOptions extends SessionOptions {
  retry?: Partial<GraphRetryPolicy>;
}

/** A Graph call that failed for good; `message` carries Graph's own code and words. */
export class GraphError extends Error {
  constructor(message: string, public readonly status: number | undefined, public readonly code: string | undefined, public readonly transient: boolean) {
    super(message);
    this.name = 'GraphError';
  }
}

export interface GraphCall {
  method?: string;
  /** Path under the base URL (`/users/…`) or an absolute @odata link of the same origin. */
  path: string;
  json?: unknown;
  text?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function retryAfterMs(res: Response): number | undefined {
  const v = res.headers.get('retry-after');
  if (!v) return undefined;
  const secs = Number(v);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}

/** Graph's `{ error: { code, message } }` as "code: message", or the status and text. */
export async function graphWords(res: Response): Promise<{ code?: string; words: string }> {
  const text = await res.text().catch(() => '');
  try {
    const e = (JSON.parse(text) as { error?: { code?: string; message?: string } }).error;
    if (e?.code || e?.message) return { code: e.code, words: `${e.code ?? res.status}: ${e.message ?? ''}`.trim() };
  } catch {
    /* not Graph's JSON */
  }
  return { words: `HTTP ${res.status} ${res.statusText}${text ? `: ${text.slice(0, 300)}` : ''}` };
}

function networkWords(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError') return 'timed out';
  if (e?.cause?.code || e?.cause?.message) return `${e.cause.code ?? ''} ${e.cause.message ?? ''}`.trim();
  return e?.message ?? String(err);
}

export class GraphClient {
  readonly baseUrl: string;
  readonly mailbox: string;
  private readonly tokens: GraphTokenProvider;
  private readonly retry: GraphRetryPolicy;
  private readonly timeoutMs: number;
  private readonly aborter = new AbortController();

  constructor(conn: ServerConnection, mailbox: string | undefined, opts: GraphOptions = {}) {
    if (!conn.graph) throw new Error('the endpoint has no Graph settings (tenantId, clientId, secret or certificate)');
    if (!mailbox) throw new Error('the Graph endpoint names no mailbox (the address the app reads or sends for)');
    const o = resolveSessionOptions(opts);
    this.baseUrl = (conn.graph.baseUrl ?? DEFAULT_GRAPH_BASE_URL).replace(/\/+$/, '');
    this.mailbox = mailbox.trim().toLowerCase();
    this.tokens = graphTokenProvider(conn.graph, o.connectTimeoutMs);
    this.retry = { ...DEFAULT_GRAPH_RETRY, ...opts.retry };
    this.timeoutMs = o.commandTimeoutMs;
  }

  /** `/users/{mailbox}` of this client (or of another mailbox, for on-behalf sends). */
  userPath(mailbox = this.mailbox): string {
    return `/users/${encodeURIComponent(mailbox)}`;
  }

  token(): Promise<string> {
    return this.tokens.token();
  }

  /** Cancels every call in progress (session abort). */
  abort(): void {
    this.aborter.abort(new Error('the Graph session was aborted'));
  }

  private url(path: string): string {
    if (!/^https?:/i.test(path)) return `${this.baseUrl}${path}`;
    if (new URL(path).origin !== new URL(this.baseUrl).origin) throw new GraphError(`refusing to follow ${path}: not under ${this.baseUrl}`, undefined, undefined, false);
    return path;
  }

  /** JSON answer of a call (undefined for 202/204); throws GraphError when it fails for good. */
  async json<T>(call: GraphCall, mailbox = this.mailbox): Promise<T | undefined> {
    return this.send(call, mailbox, async (res) => {
      const text = await res.text();
      return (text ? JSON.parse(text) : undefined) as T | undefined;
    });
  }

  /**
   * Runs one call with retries, holding the mailbox's slot only while a request is on the wire
   * (not while waiting out a Retry-After). `read` consumes a successful response inside the slot.
   */
  async send<T>(call: GraphCall, mailbox: string, read: (res: Response, signal: AbortSignal) => Promise<T>): Promise<T> {
    const url = this.url(call.path);
    const method = call.method ?? 'GET';
    let refreshed = false;
    for (let attempt = 1; ; attempt++) {
      const outcome = await withMailboxSlot(`${new URL(this.baseUrl).origin}|${mailbox.toLowerCase()}`, async () => {
        const token = await this.tokens.token(refreshed);
        const signal = AbortSignal.any([this.aborter.signal, AbortSignal.timeout(this.timeoutMs)]);
        let res: Response;
        try {
          res = await fetch(url, { method, headers: this.headers(call, token), body: call.json !== undefined ? JSON.stringify(call.json) : call.text, signal });
        } catch (err) {
          if (this.aborter.signal.aborted) throw new GraphError(`${method} ${call.path}: the session was aborted`, undefined, undefined, true);
          return { retry: true as const, words: `${method} ${url} failed: ${networkWords(err)}` };
        }
        if (res.ok) return { value: await read(res, signal) };
        const wait = res.status === 429 || res.status === 503 ? retryAfterMs(res) : undefined;
        const { code, words } = await graphWords(res);
        return { res, code, words, wait };
      });
      if ('value' in outcome) return outcome.value as T;
      const last = attempt >= this.retry.maxAttempts;
      if ('retry' in outcome) {
        if (last) throw new GraphError(outcome.words, undefined, undefined, true);
        await sleep(this.backoff(attempt));
        continue;
      }
      const { res, code, words, wait } = outcome;
      const message = `${method} ${call.path} answered ${res.status}: ${words}`;
      if (res.status === 401 && code === 'InvalidAuthenticationToken' && !refreshed) {
        refreshed = true; // A revoked/expired token: one retry with a fresh one.
        continue;
      }
      const transient = res.status === 429 || res.status >= 500;
      if (!transient || last) throw new GraphError(message, res.status, code, transient);
      if (wait !== undefined && wait > this.retry.maxRetryAfterMs) throw new GraphError(`${message} (Retry-After ${Math.round(wait / 1000)} s is longer than we wait)`, res.status, code, true);
      await sleep(wait ?? this.backoff(attempt));
    }
  }

  private headers(call: GraphCall, token: string): Record<string, string> {
    return {
      Authorization: `Bearer ${token}`,
      Accept: 'application/json',
      ...(call.json !== undefined ? { 'Content-Type': 'application/json' } : {}),
      ...(call.contentType ? { 'Content-Type': call.contentType } : {}),
      ...(call.headers ?? {}),
    };
  }

  private backoff(attempt: number): number {
    const base = Math.min(this.retry.backoffMaxMs, this.retry.backoffBaseMs * 2 ** (attempt - 1));
    return Math.round(base / 2 + Math.random() * (base / 2));
  }
}
