import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { XhrApi } from '@ewsjs/xhr';
import type { IXHRApi, IXHROptions, IXHRProgress } from 'ews-javascript-api';

type XhrResult = ReturnType<IXHRApi['xhr']>;

/** What the last failed HTTP exchange was, in words an admin can act on. */
export interface HttpFailure {
  url: string;
  status?: number;
  statusText?: string;
  /** Node/axios error code: ECONNREFUSED, ENOTFOUND, DEPTH_ZERO_SELF_SIGNED_CERT, ECONNABORTED (timeout)… */
  code?: string;
  message: string;
}

export interface XhrSettings {
  username: string;
  password: string;
  ntlm: boolean;
  rejectUnauthorized: boolean;
  timeoutMs: number;
}

/**
 * One ExchangeService's HTTP client: an @ewsjs/xhr XhrApi of its own (never the library's global
 * ConfigurationApi.ConfigureXHR), so sessions with different credentials share nothing.
 *
 * It also shields the caller from two library behaviours: a 500 whose body is not a SOAP envelope
 * (a proxy's error page) makes ews-javascript-api throw outside its promise chain, and the NTLM
 * handshake hides network errors behind a TypeError. Both are turned into a readable failure.
 */
export class GuardedXhr implements IXHRApi {
  lastFailure?: HttpFailure;
  private readonly inner: XhrApi;

  constructor(private readonly settings: XhrSettings) {
    this.inner = new XhrApi({ rejectUnauthorized: settings.rejectUnauthorized, timeout: settings.timeoutMs });
    if (settings.ntlm) this.inner.useNtlmAuthentication(settings.username, settings.password);
  }

  get apiName(): string {
    return `mailrouter-guarded;${this.inner.apiName}`;
  }

  async xhr(options: IXHROptions, progress?: (p: IXHRProgress) => void): XhrResult {
    this.lastFailure = undefined;
    try {
      return await this.inner.xhr(options, progress);
    } catch (err) {
      throw await this.explain(options.url, err);
    }
  }

  xhrStream(options: IXHROptions, progress: (p: IXHRProgress) => void): XhrResult {
    return this.inner.xhrStream(options, progress);
  }

  disconnect(): void {
    this.inner.disconnect();
  }

  private async explain(url: string, err: unknown): Promise<unknown> {
    const e = err as { status?: number; statusText?: string; code?: string; message?: string; responseText?: string };
    if (typeof e?.status === 'number' && e.status > 0) {
      this.lastFailure = { url, status: e.status, statusText: e.statusText, message: `HTTP ${e.status} ${e.statusText ?? ''}`.trim() };
      if (e.status === 500 && !/Envelope/.test(e.responseText ?? '')) {
        // Not a SOAP fault: hand the library a status-less error so it reports our words.
        return { status: 0, message: `HTTP 500 ${e.statusText ?? ''} from ${url} (not a SOAP response)`.replace(/\s+/g, ' '), responseText: '' };
      }
      return err;
    }
    if (e?.code) {
      this.lastFailure = { url, code: e.code, message: e.message ?? e.code };
      return err;
    }
    // The NTLM provider lost the real cause (it reads `.headers` of a missing response): ask plainly.
    this.lastFailure = await probe(url, this.settings.rejectUnauthorized, this.settings.timeoutMs);
    return { status: 0, message: this.lastFailure.message, responseText: '' };
  }
}

/** An unauthenticated GET, only to name why an NTLM handshake failed (network, TLS, 404, no NTLM offered). */
export function probe(url: string, rejectUnauthorized: boolean, timeoutMs: number): Promise<HttpFailure> {
  return new Promise((resolve) => {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      resolve({ url, message: `invalid URL ${url}` });
      return;
    }
    const send = parsed.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(parsed, { method: 'GET', timeout: timeoutMs, rejectUnauthorized }, (res) => {
      res.resume();
      const offered = String(res.headers['www-authenticate'] ?? '');
      const status = res.statusCode ?? 0;
      const message = status === 401 && !/ntlm|negotiate/i.test(offered)
        ? `HTTP 401 from ${url}: the server does not offer NTLM (it offers: ${offered || 'nothing'})`
        : `HTTP ${status} ${res.statusMessage ?? ''} from ${url}`;
      resolve({ url, status, statusText: res.statusMessage, message });
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer from ${url} within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ url, code: err.code, message: err.message }));
    req.end();
  });
}
