import { ConfidentialClientApplication } from '@azure/msal-node';
import { LoopbackAwareNetwork, LOOPBACK_HOSTS } from '@mailrouter/platform';

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

/** Access tokens for the Web API, cached by msal until shortly before they expire. */
export class TokenProvider {
  private readonly app: ConfidentialClientApplication;
  private readonly scope: string;

  constructor(settings: TokenSettings) {
    const configured = new URL(settings.authority ?? `https://login.microsoftonline.com/${settings.tenantId}`);
    let plainHttpOrigin: string | undefined;
    if (configured.protocol === 'http:') {
      if (!LOOPBACK_HOSTS.has(configured.hostname)) throw new TokenError(`the authority ${configured.origin} must use https (plain http only for a loopback emulator)`);
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
      system: { networkClient: new LoopbackAwareNetwork(plainHttpOrigin, settings.timeoutMs, (m) => new TokenError(m)) },
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
