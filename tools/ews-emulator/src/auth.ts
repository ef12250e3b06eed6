/**
 * HTTP authentication of the EWS EMULATOR, as IIS answers for Exchange's /EWS and /Autodiscover
 * virtual directories: Basic and NTLM (Windows Integrated). A refused request gets 401 with
 * `WWW-Authenticate: NTLM` and `Basic realm="…"`.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { createChallengeMessage, ntlmMessageType, parseAuthenticateMessage, verifyNtlmV2 } from './ntlm';
import type { EmulatorUser, EwsStore } from './store';

export type AuthScheme = 'basic' | 'ntlm';

export type AuthResult =
  | { ok: true; user: EmulatorUser }
  | { ok: false; reason: string; /** An NTLM CHALLENGE_MESSAGE to send instead of the plain challenges. */ ntlmChallenge?: string };

interface Pending {
  challenge: Buffer;
  at: number;
}

const CHALLENGE_TTL_MS = 120_000;
const MAX_PENDING = 512;

export class Authenticator {
  /** Challenges by socket (IIS binds NTLM to the connection) and all recent ones: see verify(). */
  private readonly bySocket = new WeakMap<Socket, Pending>();
  private pending: Pending[] = [];

  constructor(private readonly store: EwsStore, readonly schemes: AuthScheme[], readonly realm: string, readonly domain = 'CONTOSO') {}

  challenges(): string[] {
    return [...(this.schemes.includes('ntlm') ? ['NTLM'] : []), ...(this.schemes.includes('basic') ? [`Basic realm="${this.realm}"`] : [])];
  }

  authenticate(req: IncomingMessage): AuthResult {
    const header = req.headers.authorization ?? '';
    const [scheme, token = ''] = header.split(/\s+/, 2);
    if (!header) return { ok: false, reason: 'no credentials' };
    if (scheme.toLowerCase() === 'basic' && this.schemes.includes('basic')) return this.basic(token);
    if ((scheme.toLowerCase() === 'ntlm' || scheme.toLowerCase() === 'negotiate') && this.schemes.includes('ntlm')) return this.ntlm(req.socket, Buffer.from(token, 'base64'));
    return { ok: false, reason: `authentication scheme ${scheme} is not enabled` };
  }

  /** DOMAIN\user, user@domain (UPN / address) or user. */
  findUser(login: string, domain?: string): EmulatorUser | undefined {
    let name = login.toLowerCase();
    let dom = domain?.toLowerCase();
    if (name.includes('\\')) [dom, name] = name.split('\\', 2);
    const users = [...this.store.users.values()];
    const user = name.includes('@') ? users.find((u) => u.address === name) : users.find((u) => u.username.toLowerCase() === name);
    if (!user || (dom && dom !== user.domain.toLowerCase())) return undefined;
    return user;
  }

  private basic(token: string): AuthResult {
    const decoded = Buffer.from(token, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const user = colon > 0 ? this.findUser(decoded.slice(0, colon)) : undefined;
    if (!user || user.password !== decoded.slice(colon + 1)) return { ok: false, reason: 'Basic: unknown user or wrong password' };
    return { ok: true, user };
  }

  private ntlm(socket: Socket, msg: Buffer): AuthResult {
    const type = ntlmMessageType(msg);
    if (type === 1) {
      const { message, challenge } = createChallengeMessage(this.domain, 'EXCH-EMULATOR');
      const pending = { challenge, at: Date.now() };
      this.bySocket.set(socket, pending);
      this.pending = [...this.pending.filter((p) => Date.now() - p.at < CHALLENGE_TTL_MS).slice(-MAX_PENDING + 1), pending];
      return { ok: false, reason: 'NTLM negotiate', ntlmChallenge: `NTLM ${message.toString('base64')}` };
    }
    if (type !== 3) return { ok: false, reason: 'NTLM: not a negotiate or authenticate message' };
    let auth;
    try {
      auth = parseAuthenticateMessage(msg);
    } catch (err) {
      return { ok: false, reason: `NTLM: ${(err as Error).message}` };
    }
    const user = this.findUser(auth.user, auth.domain || undefined);
    if (!user) return { ok: false, reason: `NTLM: unknown user ${auth.domain}\\${auth.user}` };
    if (auth.ntResponse.length <= 24) return { ok: false, reason: 'NTLM: NTLMv1 responses are refused (NTLMv2 only)' };
    // IIS checks against the challenge sent on this connection. Axios-based clients (ews-javascript-api's
    // @ewsjs/xhr) may send the AUTHENTICATE on a new connection, so any recent unused challenge is tried too.
    const own = this.bySocket.get(socket);
    const candidates = [...(own ? [own] : []), ...this.pending.filter((p) => p !== own && Date.now() - p.at < CHALLENGE_TTL_MS)];
    const match = candidates.find((p) => verifyNtlmV2(auth, p.challenge, user.password));
    if (!match) return { ok: false, reason: 'NTLM: the response does not match the password' };
    this.pending = this.pending.filter((p) => p !== match);
    this.bySocket.delete(socket);
    return { ok: true, user };
  }
}
