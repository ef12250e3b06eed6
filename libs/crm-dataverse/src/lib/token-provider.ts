import { ConfidentialClientApplication, INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';

/** Where tokens come from: OAuth2 client credentials against a Microsoft Entra ID authority. */
export interface TokenSettings {
  /** Environment URL; the scope asked for is `<url>/.default`. */
  url: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** Default https://login.microsoftonline.com/<tenantId>. Plain http is accepted for loopback hosts only (an emulator). */
  authority?: string;
  timeoutMs: number;
}

export class TokenError extends Error {
  constructor(message: string, public readonly status?: number) {
    super(message);
    this.name = 'TokenError';
  }
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * msal only accepts https authorities. For an http authority on a loopback host (the emulator),
 * msal is given the https form of the same URL and this network module maps that origin back to
 * http; every other URL is fetched as is. Nothing leaves loopback when the authority is loopback.
 */
export class LoopbackAwareNetwork implements INetworkModule {
  constructor(private readonly plainHttpOrigin: string | undefined, private readonly timeoutMs: number) {}

  private target(url: string): string {
    if (!this.plainHttpOrigin) return url;
    const u = new URL(url);
    if (`${u.protocol}//${u.host}` === this.plainHttpOrigin.replace(/^http:/, 'https:')) return url.replace(/^https:/, 'http:');
    throw new TokenError(`refusing to call ${u.origin}: the authority is a loopback emulator (${this.plainHttpOrigin})`);
  }

  async sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>('GET', url, options);
  }

  async sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>('POST', url, options);
  }

  private async send<T>(method: string, url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    const res = await fetch(this.target(url), {
      method, headers: options?.headers, body: method === 'POST' ? options?.body : undefined,
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const headers: Record<string, string> = {};
    res.headers.forEach((v, k) => (headers[k] = v));
    const text = await res.text();
    let body: unknown = {};
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      body = { error: 'invalid_response', error_description: text.slice(0, 500) };
    }
    return { headers, body: body as T, status: res.status };
  }
}

/** Access tokens for the Web API, cached by msal until shortly before they expire. */
export class TokenProvider {
  private readonly app: ConfidentialClientApplication;
  private readonly scope: string;

  constructor(settings: TokenSettings) {
    const configured = new URL(settings.authority ?? `https://login.microsoftonline.com/${settings.tenantId}`);
    let plainHttpOrigin: string | undefined;
    if (configured.protocol === 'http:') {
      if (!LOOPBACK.has(configured.hostname)) throw new TokenError(`the authority ${configured.origin} must use https (plain http only for a loopback emulator)`);
      plainHttpOrigin = configured.origin;
      configured.protocol = 'https:';
    }
    const isMicrosoft = configured.hostname === 'login.microsoftonline.com';
    this.scope = `${settings.url.replace(/\/+$/, '')}/.default`;
    this.app = new ConfidentialClientApplication({
      auth: {
        clientId: settings.clientId,
        clientSecret: settings.clientSecret,
        authority: configured.toString().replace(/\/+$/, ''),
        ...(isMicrosoft ? {} : { knownAuthorities: [configured.host] }),
      },
      system: { networkClient: new LoopbackAwareNetwork(plainHttpOrigin, settings.timeoutMs) },
    });
  }

  async token(): Promise<string> {
    try {
      const result = await this.app.acquireTokenByClientCredential({ scopes: [this.scope] });
      if (!result?.accessToken) throw new TokenError('the token endpoint returned no access token');
      return result.accessToken;
    } catch (err) {
      if (err instanceof TokenError) throw err;
      const e = err as { errorMessage?: string; message?: string; errorCode?: string };
      throw new TokenError(`could not get a Dataverse access token: ${e.errorMessage || e.message || String(err)}`);
    }
  }
}
