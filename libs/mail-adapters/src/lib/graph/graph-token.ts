/**
 * OAuth2 client credentials for Microsoft Graph through msal-node: one ConfidentialClientApplication
 * per (authority, client id, credential) per process, so every session and sender of the process
 * shares its token cache. Tenant discovery is done here first (msal is then given the metadata) so
 * a failure carries Entra ID's own words (AADSTS90002 …), like Autodiscover does for EWS.
 */
import { createHash } from 'node:crypto';
import { ConfidentialClientApplication, type Configuration } from '@azure/msal-node';
import { LoopbackAwareNetwork, LOOPBACK_HOSTS } from '@mailrouter/platform';
import { withTimeout } from '../incoming/mailbox-session';

export const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';
export const DEFAULT_AUTHORITY_HOST = 'https://login.microsoftonline.com';

export interface GraphCredentials {
  tenantId: string;
  clientId: string;
  clientSecret?: string;
  /** Thumbprint (hex SHA-1, or SHA-256 when 64 hex digits) and PEM private key of a registered certificate. */
  certificate?: { thumbprint: string; privateKey: string };
  authority?: string;
}

export type GraphTokenFailure = 'config' | 'discovery' | 'credentials' | 'network';

export class GraphTokenError extends Error {
  constructor(message: string, public readonly failure: GraphTokenFailure) {
    super(message);
    this.name = 'GraphTokenError';
  }
}

/** The authority as configured (default Entra ID's), and the https form msal is given. */
export function resolveAuthority(c: Pick<GraphCredentials, 'tenantId' | 'authority'>): { url: string; msalUrl: string; plainHttpOrigin?: string } {
  const url = (c.authority ?? `${DEFAULT_AUTHORITY_HOST}/${c.tenantId}`).replace(/\/+$/, '');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new GraphTokenError(`the Graph authority "${url}" is not a URL`, 'config');
  }
  if (parsed.protocol === 'https:') return { url, msalUrl: url };
  if (parsed.protocol !== 'http:' || !LOOPBACK_HOSTS.has(parsed.hostname)) {
    throw new GraphTokenError(`the Graph authority ${parsed.origin} must use https (plain http only for a loopback emulator)`, 'config');
  }
  return { url, msalUrl: url.replace(/^http:/, 'https:'), plainHttpOrigin: parsed.origin };
}

/** Tokens for one app registration; `token()` answers from msal's cache until shortly before expiry. */
export class GraphTokenProvider {
  private app?: Promise<ConfidentialClientApplication>;

  constructor(private readonly creds: GraphCredentials, private readonly timeoutMs: number) {}

  get authority(): string {
    return resolveAuthority(this.creds).url;
  }

  async token(forceRefresh = false): Promise<string> {
    const app = await this.application();
    const work = app.acquireTokenByClientCredential({ scopes: [GRAPH_SCOPE], ...(forceRefresh ? { skipCache: true } : {}) });
    try {
      const result = await withTimeout(`token request to ${this.authority}`, this.timeoutMs, work, () => undefined);
      if (!result?.accessToken) throw new GraphTokenError(`the token endpoint of ${this.authority} returned no access token`, 'credentials');
      return result.accessToken;
    } catch (err) {
      if (err instanceof GraphTokenError) throw err;
      const e = err as { errorCode?: string; errorMessage?: string; message?: string; code?: string };
      const words = (e.errorMessage || e.message || String(err)).trim();
      const network = e.code === 'ETIMEDOUT' || /fetch failed|network|ECONN|timed out/i.test(words);
      throw new GraphTokenError(`token request to ${this.authority} failed: ${words}`, network ? 'network' : 'credentials');
    }
  }

  private application(): Promise<ConfidentialClientApplication> {
    // A failed discovery is not kept: the next call tries again.
    this.app ??= this.createApplication().catch((err: unknown) => {
      this.app = undefined;
      throw err;
    });
    return this.app;
  }

  private async createApplication(): Promise<ConfidentialClientApplication> {
    const { clientId, clientSecret, certificate } = this.creds;
    if (!clientId) throw new GraphTokenError('the Graph settings have no client id', 'config');
    if (!clientSecret && !certificate) throw new GraphTokenError(`the Graph app ${clientId} has neither a client secret nor a certificate`, 'config');
    const authority = resolveAuthority(this.creds);
    const metadata = await discoverTenant(authority.url, this.timeoutMs);
    const host = new URL(authority.msalUrl).host;
    const thumb = certificate?.thumbprint.replace(/[^0-9a-fA-F]/g, '');
    const config: Configuration = {
      auth: {
        clientId,
        authority: authority.msalUrl,
        authorityMetadata: JSON.stringify(metadata),
        ...(host === new URL(DEFAULT_AUTHORITY_HOST).host ? {} : { knownAuthorities: [host] }),
        ...(clientSecret
          ? { clientSecret }
          : { clientCertificate: { privateKey: certificate!.privateKey, ...(thumb && thumb.length === 64 ? { thumbprintSha256: thumb } : { thumbprint: thumb }) } }),
      },
      system: { networkClient: new LoopbackAwareNetwork(authority.plainHttpOrigin, this.timeoutMs, (m) => new GraphTokenError(m, 'config')) },
    };
    return new ConfidentialClientApplication(config);
  }
}

/**
 * GET <authority>/v2.0/.well-known/openid-configuration. Failure: "tenant discovery failed for
 * <authority>: <Entra ID's words or the network error>".
 */
export async function discoverTenant(authority: string, timeoutMs: number): Promise<Record<string, unknown>> {
  const url = `${authority}/v2.0/.well-known/openid-configuration`;
  const fail = (why: string) => new GraphTokenError(`tenant discovery failed for ${authority}: ${why}`, 'discovery');
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw fail(cause?.code ? `${cause.code} ${cause.message ?? ''}`.trim() : (err as Error).message);
  }
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    /* not JSON: reported below with the status */
  }
  if (!res.ok || typeof body.token_endpoint !== 'string') {
    const words = typeof body.error_description === 'string' ? body.error_description : `HTTP ${res.status} ${text.slice(0, 200)}`.trim();
    throw fail(words);
  }
  return body;
}

const providers = new Map<string, GraphTokenProvider>();

/** The process-wide provider for these credentials (same authority, client and credential → same cache). */
export function graphTokenProvider(creds: GraphCredentials, timeoutMs: number): GraphTokenProvider {
  const credential = creds.clientSecret ?? `${creds.certificate?.thumbprint}\n${creds.certificate?.privateKey}`;
  const key = [resolveAuthority(creds).url.toLowerCase(), creds.clientId, createHash('sha256').update(credential).digest('hex')].join('\n');
  let provider = providers.get(key);
  if (!provider) providers.set(key, (provider = new GraphTokenProvider(creds, timeoutMs)));
  return provider;
}
