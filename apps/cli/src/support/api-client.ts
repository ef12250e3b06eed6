import { ApiError, UnreachableError, UsageError } from './cli-errors';
import type { CliIo } from './cli-io';

export const DEFAULT_API_URL = 'http://127.0.0.1:3000';

/** A JSON object as the API returns it. */
export type Json = Record<string, unknown>;

/** The config service's REST API (docs/api.md), with failures turned into the CLI's exit codes. */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string,
    private readonly timeoutMs = 60_000,
  ) {}

  /** MAILROUTER_URL (default http://127.0.0.1:3000); MAILROUTER_TOKEN, else ROUTER_API_TOKEN. */
  static fromEnv(env: CliIo['env']): ApiClient {
    const baseUrl = (env.MAILROUTER_URL || DEFAULT_API_URL).replace(/\/+$/, '');
    if (!/^https?:\/\//.test(baseUrl)) throw new UsageError(`MAILROUTER_URL must be an http(s) URL, got "${baseUrl}"`);
    const token = env.MAILROUTER_TOKEN || env.ROUTER_API_TOKEN;
    if (!token) throw new UsageError('no API token: set MAILROUTER_TOKEN (or ROUTER_API_TOKEN) to the config service\'s ROUTER_API_TOKEN');
    return new ApiClient(baseUrl, token);
  }

  get<T = Json>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  post<T = Json>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, body ?? {});
  }

  patch<T = Json>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PATCH', path, body);
  }

  async delete(path: string): Promise<void> {
    await this.request('DELETE', path);
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const url = this.baseUrl + path;
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: { authorization: `Bearer ${this.token}`, accept: 'application/json', ...(body !== undefined && { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new UnreachableError(`cannot reach the MailRouter API at ${this.baseUrl}: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
    }
    const text = await res.text();
    const parsed = parseJson(text);
    if (res.status === 401 || res.status === 403) {
      throw new UnreachableError(`the MailRouter API at ${this.baseUrl} refused the token (${res.status}): check MAILROUTER_TOKEN`);
    }
    if (!res.ok) throw new ApiError(res.status, `${method} ${path} → ${res.status}: ${serverWords(parsed, text)}`, parsed);
    return parsed as T;
  }
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The server's own words: each named field when it gave them, else its message. */
export function serverWords(body: unknown, text: string): string {
  if (body && typeof body === 'object') {
    const b = body as { message?: unknown; error?: unknown; fields?: { field: string; message: string }[] };
    if (Array.isArray(b.fields) && b.fields.length) return b.fields.map((f) => `${f.field}: ${f.message}`).join('; ');
    if (typeof b.message === 'string') return b.message;
    if (Array.isArray(b.message)) return b.message.join('; ');
    if (typeof b.error === 'string') return b.error;
  }
  return text.slice(0, 500) || '(empty response)';
}
