import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';

/** Hosts where an authority may be plain http (an emulator on this machine). */
export const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * msal-node's network module for the Dataverse connector and the Graph client. msal only accepts
 * https authorities; for an http authority on a loopback host (an emulator) msal is given the
 * https form of the URL and this module maps that origin back to http, refusing every other
 * origin — nothing leaves loopback then. Without `plainHttpOrigin` URLs are fetched as they are.
 * Every call is bounded by `timeoutMs`; `refuse` makes the caller's own error type.
 */
export class LoopbackAwareNetwork implements INetworkModule {
  constructor(
    private readonly plainHttpOrigin: string | undefined,
    private readonly timeoutMs: number,
    private readonly refuse: (message: string) => Error = (m) => new Error(m),
  ) {}

  private target(url: string): string {
    if (!this.plainHttpOrigin) return url;
    const u = new URL(url);
    if (`${u.protocol}//${u.host}` === this.plainHttpOrigin.replace(/^http:/, 'https:')) return url.replace(/^https:/, 'http:');
    throw this.refuse(`refusing to call ${u.origin}: the authority is a loopback emulator (${this.plainHttpOrigin})`);
  }

  sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>('GET', url, options);
  }

  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>('POST', url, options);
  }

  private async send<T>(method: string, url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    const res = await fetch(this.target(url), {
      method, headers: options?.headers, body: method === 'POST' ? options?.body : undefined, signal: AbortSignal.timeout(this.timeoutMs),
    });
    const headers: Record<string, string> = {};
    res.headers.forEach((v, k) => (headers[k] = v));
    const text = await res.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      body = { error: 'invalid_response', error_description: `HTTP ${res.status}: ${text.slice(0, 300)}` };
    }
    return { headers, body: body as T, status: res.status };
  }
}
