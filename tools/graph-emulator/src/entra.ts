/**
 * The Microsoft Entra ID slice the Graph EMULATOR serves: OpenID discovery and instance discovery
 * (what msal-node reads for an authority), and the v2.0 token endpoint for client credentials with
 * a client secret or a certificate (client_assertion, RS256/PS256). Tokens are HS256 JWTs issued by
 * the Dataverse emulator's TokenIssuer (reused, one per tenant).
 * Docs: https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow ,
 * https://learn.microsoft.com/entra/identity-platform/certificate-credentials ,
 * https://learn.microsoft.com/entra/identity-platform/reference-error-codes
 */
import { constants, createPublicKey, verify } from 'node:crypto';
import { TokenIssuer } from '../../dataverse-emulator/src/auth';
import type { GraphStore } from './store';

export const GRAPH_RESOURCE = 'https://graph.microsoft.com';
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export interface EntraResponse {
  status: number;
  body: unknown;
}

function aadError(status: number, error: string, code: number, description: string): EntraResponse {
  return {
    status,
    body: {
      error, error_description: `AADSTS${code}: ${description} Trace ID: emulator Correlation ID: emulator Timestamp: ${new Date().toISOString()}`,
      error_codes: [code], timestamp: new Date().toISOString(), trace_id: 'emulator', correlation_id: 'emulator',
      error_uri: `https://login.microsoftonline.com/error?code=${code}`,
    },
  };
}

export class Entra {
  private readonly issuers = new Map<string, TokenIssuer>();
  tokensIssued = 0;

  constructor(private readonly store: GraphStore, private readonly lifetimeSeconds: number) {}

  private issuer(tenantId: string): TokenIssuer {
    let issuer = this.issuers.get(tenantId);
    if (!issuer) this.issuers.set(tenantId, (issuer = new TokenIssuer(tenantId, this.lifetimeSeconds)));
    return issuer;
  }

  /** `/{tenant}/...` identity endpoints; `origin` is the emulator's own http origin. */
  handle(method: string, path: string, body: string, origin: string): EntraResponse | undefined {
    const [tenant, ...rest] = path.split('?')[0].split('/').filter(Boolean);
    const tail = rest.join('/');
    if (!tenant) return undefined;
    if (tail === 'discovery/instance' && method === 'GET') return this.instanceDiscovery(path, origin);
    if (tail !== 'v2.0/.well-known/openid-configuration' && tail !== 'oauth2/v2.0/token') return undefined;
    const tenantId = tenant.toLowerCase();
    if (!this.store.tenants.has(tenantId)) {
      return aadError(400, 'invalid_tenant', 90002, `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`);
    }
    const authority = `${origin.replace(/^http:/, 'https:')}/${tenant}`;
    if (tail === 'oauth2/v2.0/token' && method === 'POST') return this.token(tenantId, new URLSearchParams(body), `${authority}/oauth2/v2.0/token`);
    if (method !== 'GET') return undefined;
    return {
      status: 200,
      body: {
        token_endpoint: `${authority}/oauth2/v2.0/token`,
        token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
        jwks_uri: `${authority}/discovery/v2.0/keys`, response_modes_supported: ['query', 'fragment', 'form_post'],
        subject_types_supported: ['pairwise'], id_token_signing_alg_values_supported: ['RS256'],
        response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'], scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        issuer: `${authority}/v2.0`, authorization_endpoint: `${authority}/oauth2/v2.0/authorize`,
        device_authorization_endpoint: `${authority}/oauth2/v2.0/devicecode`, end_session_endpoint: `${authority}/oauth2/v2.0/logout`,
        request_uri_parameter_supported: false, tenant_region_scope: 'EMU', cloud_instance_name: 'graph-emulator.invalid',
      },
    };
  }

  /** Instance discovery (msal asks it for authorities it does not know): this host is its own alias. */
  private instanceDiscovery(path: string, origin: string): EntraResponse {
    const host = new URL(origin).host;
    const endpoint = new URLSearchParams(path.split('?')[1] ?? '').get('authorization_endpoint') ?? `https://${host}/common/oauth2/v2.0/authorize`;
    return {
      status: 200,
      body: {
        tenant_discovery_endpoint: endpoint.replace(/oauth2\/v2\.0\/authorize$/, 'v2.0/.well-known/openid-configuration'),
        'api-version': '1.1',
        metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
      },
    };
  }

  private token(tenantId: string, form: URLSearchParams, tokenEndpoint: string): EntraResponse {
    if (form.get('grant_type') !== 'client_credentials') return aadError(400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type.');
    const clientId = form.get('client_id') ?? '';
    const app = this.store.app(tenantId, clientId);
    if (!app) return aadError(400, 'unauthorized_client', 700016, `Application with identifier '${clientId}' was not found in the directory '${tenantId}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`);
    const denied = form.get('client_assertion_type') === JWT_BEARER
      ? this.checkAssertion(app.certificates, form.get('client_assertion') ?? '', clientId, tokenEndpoint)
      : this.checkSecret(app.secrets, form.get('client_secret'), clientId);
    if (denied) return denied;
    const scope = form.get('scope') ?? '';
    if (!scope.split(' ').includes(`${GRAPH_RESOURCE}/.default`)) {
      return aadError(400, 'invalid_scope', 1002012, `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`);
    }
    const issued = this.issuer(tenantId).issue(clientId, GRAPH_RESOURCE);
    this.tokensIssued++;
    return { status: 200, body: { token_type: 'Bearer', expires_in: issued.expiresIn, ext_expires_in: issued.expiresIn, access_token: issued.token } };
  }

  private checkSecret(secrets: string[], given: string | null, clientId: string): EntraResponse | undefined {
    if (given === null) return aadError(401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
    if (secrets.includes(given)) return undefined;
    return aadError(401, 'invalid_client', 7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`);
  }

  private checkAssertion(certs: { publicKeyPem: string; thumbprintSha1: string; thumbprintSha256: string }[], jwt: string, clientId: string, tokenEndpoint: string): EntraResponse | undefined {
    const invalid = (why: string) => aadError(401, 'invalid_client', 700027, `Client assertion failed signature validation. ${why}`);
    const [h, p, s] = jwt.split('.');
    if (!h || !p || !s) return invalid('The assertion is not a JWT.');
    const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as { alg?: string; x5t?: string; 'x5t#S256'?: string };
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as { aud?: string; iss?: string; sub?: string; exp?: number };
    const thumb = (v: string | undefined) => (v ? Buffer.from(v, 'base64url').toString('hex').toUpperCase() : undefined);
    const cert = certs.find((c) => c.thumbprintSha1 === thumb(header.x5t) || c.thumbprintSha256 === thumb(header['x5t#S256']));
    if (!cert) return aadError(401, 'invalid_client', 700027, `Client assertion contains an invalid signature. [Reason - The key was not found., Thumbprint of key used by client: '${thumb(header.x5t) ?? thumb(header['x5t#S256'])}']`);
    const key = createPublicKey(cert.publicKeyPem);
    const data = Buffer.from(`${h}.${p}`);
    const sig = Buffer.from(s, 'base64url');
    const ok = header.alg === 'PS256'
      ? verify('sha256', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, sig)
      : header.alg === 'RS256' && verify('sha256', data, key, sig);
    if (!ok) return invalid(`The signature (${header.alg}) does not verify with the registered certificate.`);
    if (claims.iss !== clientId || claims.sub !== clientId) return invalid('iss and sub must be the client id.');
    if (claims.aud !== tokenEndpoint && claims.aud?.replace(/^https:/, 'http:') !== tokenEndpoint.replace(/^https:/, 'http:')) return invalid(`The audience must be ${tokenEndpoint}.`);
    if (!claims.exp || claims.exp * 1000 < Date.now()) return aadError(401, 'invalid_client', 700024, 'Client assertion is not within its valid time range.');
    return undefined;
  }

  /** The verified claims of a Graph bearer token, or the reason it is refused. */
  verify(token: string): { claims?: Record<string, unknown>; error?: string } {
    const payload = token.split('.')[1];
    if (!payload) return { error: 'IDX14100: JWT is not well formed, there are no dots (.).' };
    let tid: unknown;
    try {
      tid = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { tid?: unknown }).tid;
    } catch {
      return { error: 'IDX14102: Unable to decode the payload as Base64Url encoded string.' };
    }
    const issuer = typeof tid === 'string' ? this.issuers.get(tid) : undefined;
    if (!issuer) return { error: 'Access token validation failure. Invalid issuer.' };
    const out = issuer.verify(token);
    if (out.error) return { error: out.error.includes('expired') ? 'Lifetime validation failed, the token is expired.' : 'Access token validation failure. Invalid signature.' };
    if (out.claims?.aud !== GRAPH_RESOURCE) return { error: 'Access token validation failure. Invalid audience.' };
    return out;
  }
}
