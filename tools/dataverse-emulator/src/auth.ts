import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface EmulatorClient {
  clientId: string;
  clientSecret: string;
}

const b64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

/** Issues and verifies HS256 JWT access tokens (signed with a key of this emulator instance). */
export class TokenIssuer {
  private readonly key = randomBytes(32);

  constructor(private readonly tenantId: string, private readonly lifetimeSeconds: number) {}

  issue(clientId: string, audience: string): { token: string; expiresIn: number } {
    const now = Math.floor(Date.now() / 1000);
    const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: 'mailrouter-emulator' }));
    const payload = b64url(JSON.stringify({
      aud: audience, iss: `https://sts.windows.net/${this.tenantId}/`, iat: now, nbf: now, exp: now + this.lifetimeSeconds,
      appid: clientId, tid: this.tenantId, ver: '1.0', emulator: 'MailRouter Dataverse emulator',
    }));
    const signature = createHmac('sha256', this.key).update(`${header}.${payload}`).digest('base64url');
    return { token: `${header}.${payload}.${signature}`, expiresIn: this.lifetimeSeconds };
  }

  /** The token's claims, or why it is refused. */
  verify(token: string): { claims?: Record<string, unknown>; error?: string } {
    const [header, payload, signature] = token.split('.');
    if (!header || !payload || !signature) return { error: 'The bearer token is malformed.' };
    const expected = createHmac('sha256', this.key).update(`${header}.${payload}`).digest();
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { error: 'The bearer token signature is invalid.' };
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (typeof claims.exp !== 'number' || claims.exp * 1000 <= Date.now()) return { error: 'The bearer token is expired.' };
    return { claims };
  }
}
