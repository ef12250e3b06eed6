import { randomUUID } from 'node:crypto';
import { PermanentError, TransientError } from '@mailrouter/platform';
import { TokenProvider } from './token-provider';

export const WEB_API_PATH = '/api/data/v9.2/';

/** How the client rides out service protection limits (429) and server errors (5xx). */
export interface RetryPolicy {
  /** Most 429 answers waited out for one request before giving up. */
  maxThrottleRetries: number;
  /** Longest single Retry-After honoured; a longer one fails at once (retried later by the flow). */
  maxRetryAfterMs: number;
  /** Most 5xx / network failures retried for one request. */
  maxServerRetries: number;
  /** First 5xx backoff, doubled each time. */
  serverBackoffMs: number;
  requestTimeoutMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxThrottleRetries: 5, maxRetryAfterMs: 60_000, maxServerRetries: 3, serverBackoffMs: 500, requestTimeoutMs: 30_000,
};

/** A Web API error with the server's status and OData error code. 4xx other than 401/403/408/429 are permanent. */
export class DataverseError extends TransientError {
  constructor(message: string, public readonly status: number, public readonly code?: string, retryAfterMs?: number) {
    super(message, retryAfterMs);
    this.name = 'DataverseError';
  }
}

export class DataversePermanentError extends PermanentError {
  constructor(message: string, public readonly status: number, public readonly code?: string) {
    super(message, code);
    this.name = 'DataversePermanentError';
  }
}

export interface ApiResult<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export interface BatchRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Relative to the Web API root, e.g. `emails(<id>)`. */
  path: string;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface BatchResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function errorText(status: number, body: unknown, fallback: string): { message: string; code?: string } {
  const err = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
  return { message: err?.message ? `${status} ${err.message}` : `${status} ${fallback}`, code: err?.code };
}

/** Retry-After: seconds or an HTTP date. */
export function retryAfterMs(value: string | null, fallbackMs: number): number {
  if (!value) return fallbackMs;
  const secs = Number(value);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : fallbackMs;
}

/** The Dataverse Web API v9.2 over fetch: bearer tokens, OData JSON, 429/5xx handling, $batch. */
export class WebApiClient {
  readonly root: string;
  /** Counters for operators and tests: 429s waited out, 5xx retried. */
  readonly stats = { throttled: 0, serverRetries: 0, requests: 0 };

  constructor(url: string, private readonly tokens: TokenProvider, private readonly policy: RetryPolicy = DEFAULT_RETRY_POLICY) {
    this.root = `${url.replace(/\/+$/, '')}${WEB_API_PATH}`;
  }

  async request<T = unknown>(method: string, path: string, options: { body?: unknown; headers?: Record<string, string>; raw?: string } = {}): Promise<ApiResult<T>> {
    let throttles = 0;
    let serverFailures = 0;
    for (;;) {
      const token = await this.tokens.token();
      let res: Response;
      try {
        this.stats.requests++;
        res = await fetch(this.root + path, {
          method,
          headers: {
            authorization: `Bearer ${token}`, accept: 'application/json', 'OData-MaxVersion': '4.0', 'OData-Version': '4.0',
            ...(options.body !== undefined ? { 'content-type': 'application/json; charset=utf-8' } : {}),
            ...options.headers,
          },
          body: options.raw ?? (options.body !== undefined ? JSON.stringify(options.body) : undefined),
          signal: AbortSignal.timeout(this.policy.requestTimeoutMs),
        });
      } catch (err) {
        if (++serverFailures > this.policy.maxServerRetries) throw new DataverseError(`${method} ${path}: ${(err as Error).message}`, 0);
        this.stats.serverRetries++;
        await sleep(this.policy.serverBackoffMs * 2 ** (serverFailures - 1));
        continue;
      }
      const text = await res.text();
      const isJson = (res.headers.get('content-type') ?? '').includes('json');
      const body = (isJson && text ? JSON.parse(text) : text) as T;
      if (res.status === 429) {
        const wait = retryAfterMs(res.headers.get('retry-after'), this.policy.serverBackoffMs);
        const { message, code } = errorText(429, body, 'Too Many Requests');
        if (++throttles > this.policy.maxThrottleRetries || wait > this.policy.maxRetryAfterMs) {
          throw new DataverseError(`${method} ${path}: ${message} (service protection limit; retry after ${wait} ms)`, 429, code, wait);
        }
        this.stats.throttled++;
        await sleep(wait);
        continue;
      }
      if (res.status >= 500) {
        const { message, code } = errorText(res.status, body, res.statusText);
        if (++serverFailures > this.policy.maxServerRetries) throw new DataverseError(`${method} ${path}: ${message}`, res.status, code);
        this.stats.serverRetries++;
        await sleep(this.policy.serverBackoffMs * 2 ** (serverFailures - 1));
        continue;
      }
      if (res.status >= 400) {
        const { message, code } = errorText(res.status, body, res.statusText);
        const text2 = `${method} ${path}: ${message}`;
        if ([401, 403, 408].includes(res.status)) throw new DataverseError(text2, res.status, code);
        throw new DataversePermanentError(text2, res.status, code);
      }
      return { status: res.status, headers: res.headers, body };
    }
  }

  /** GET of a collection, following @odata.nextLink. */
  async getAll<T>(path: string, headers?: Record<string, string>): Promise<T[]> {
    const rows: T[] = [];
    let next: string | undefined = path;
    while (next) {
      const res: ApiResult<{ value: T[]; '@odata.nextLink'?: string }> = await this.request('GET', next, { headers });
      rows.push(...res.body.value);
      const link = res.body['@odata.nextLink'];
      next = link ? link.slice(link.indexOf(WEB_API_PATH) + WEB_API_PATH.length) : undefined;
    }
    return rows;
  }

  /**
   * One $batch of independent requests (no change set: each succeeds or fails on its own, e.g.
   * a conditional PATCH answered 412). Returns one response per request, in order.
   */
  async batch(requests: BatchRequest[]): Promise<BatchResponse[]> {
    if (requests.length === 0) return [];
    const boundary = `batch_${randomUUID()}`;
    const parts = requests.map((r) => {
      const headers = { ...(r.body !== undefined ? { 'Content-Type': 'application/json; type=entry' } : {}), ...r.headers };
      const head = Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\r\n');
      return `--${boundary}\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n` +
        `${r.method} ${this.root}${r.path} HTTP/1.1\r\n${head}${head ? '\r\n' : ''}\r\n${r.body !== undefined ? JSON.stringify(r.body) : ''}\r\n`;
    });
    const res = await this.request<string>('POST', '$batch', {
      raw: `${parts.join('')}--${boundary}--\r\n`,
      headers: { 'content-type': `multipart/mixed; boundary=${boundary}`, accept: 'multipart/mixed' },
    });
    return parseBatchResponse(res.headers.get('content-type'), res.body);
  }
}

export function parseBatchResponse(contentType: string | null, text: string): BatchResponse[] {
  const boundary = contentType?.match(/boundary=("?)([^";]+)\1/i)?.[2];
  if (!boundary) throw new DataverseError('a $batch answer without a multipart boundary', 0);
  const out: BatchResponse[] = [];
  for (const chunk of text.split(`--${boundary}`).slice(1)) {
    if (chunk.startsWith('--')) break;
    const sections = chunk.replace(/^\r?\n/, '').split(/\r?\n\r?\n/);
    const outer = sections[0];
    if (/content-type:\s*multipart\/mixed/i.test(outer)) {
      const ct = outer.match(/content-type:\s*([^\r\n]+)/i)?.[1] ?? null;
      out.push(...parseBatchResponse(ct, sections.slice(1).join('\r\n\r\n')));
      continue;
    }
    const [statusAndHeaders = '', ...rest] = sections.slice(1);
    const lines = statusAndHeaders.split(/\r?\n/);
    const status = Number(lines[0].split(' ')[1]);
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const i = line.indexOf(':');
      if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
    }
    const raw = rest.join('\r\n\r\n').trim();
    let body: unknown = raw;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = raw;
    }
    out.push({ status, headers, body });
  }
  return out;
}
