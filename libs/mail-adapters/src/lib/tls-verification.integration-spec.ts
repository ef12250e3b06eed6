/**
 * Certificate verification is on by default for every protocol: against servers presenting a
 * self-signed certificate (made here with openssl), IMAP, POP3, SMTP and EWS refuse to talk unless
 * the profile says allowInvalidCertificates — and then they reach the server and get its own
 * answer. Graph (a cloud service) always verifies.
 */
import { execFileSync } from 'node:child_process';
import { createServer as createHttpsServer, Server as HttpsServer } from 'node:https';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer, Server as TlsServer, TLSSocket } from 'node:tls';
import type { AccessCheck, ServerConnection } from './endpoint';
import { testEwsAccess } from './ews';
import { testGraphAccess } from './graph';
import { testIncomingAccess } from './incoming';
import { testOutgoingAccess } from './smtp';

const REFUSAL = 'no such user here';
const CERT_ERROR = /certificate/i;

/** Line-oriented answers of a server that lets nobody in, in each protocol's words. */
const SCRIPTS: Record<'imap' | 'pop3' | 'smtp', { greeting: string; answer(line: string): string | undefined }> = {
  imap: {
    greeting: '* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] test server ready\r\n',
    answer(line) {
      const [tag, command = ''] = line.split(' ');
      if (/^capability$/i.test(command)) return `* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n${tag} OK done\r\n`;
      if (/^logout$/i.test(command)) return `* BYE\r\n${tag} OK bye\r\n`;
      return `${tag} NO [AUTHENTICATIONFAILED] ${REFUSAL}\r\n`;
    },
  },
  pop3: {
    greeting: '+OK test server ready\r\n',
    answer(line) {
      if (/^quit/i.test(line)) return '+OK bye\r\n';
      if (/^(capa|stls|auth)/i.test(line)) return '-ERR not here\r\n';
      return /^user/i.test(line) ? '+OK\r\n' : `-ERR [AUTH] ${REFUSAL}\r\n`;
    },
  },
  smtp: {
    greeting: '220 test server ESMTP ready\r\n',
    answer(line) {
      if (/^(ehlo|helo)/i.test(line)) return '250-test server\r\n250 AUTH PLAIN LOGIN\r\n';
      if (/^quit/i.test(line)) return '221 bye\r\n';
      return `535 5.7.8 ${REFUSAL}\r\n`;
    },
  },
};

describe('TLS certificate verification (self-signed servers)', () => {
  let dir: string;
  let tls: { key: Buffer; cert: Buffer };
  const servers: (TlsServer | HttpsServer)[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mr-tls-'));
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    tls = { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
  });

  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    rmSync(dir, { recursive: true, force: true });
  });

  async function listen(server: TlsServer | HttpsServer): Promise<number> {
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return (server.address() as AddressInfo).port;
  }

  function lineServer(protocol: keyof typeof SCRIPTS): Promise<number> {
    const script = SCRIPTS[protocol];
    return listen(createTlsServer(tls, (socket: TLSSocket) => {
      socket.on('error', () => undefined);
      socket.write(script.greeting);
      let buffer = '';
      socket.on('data', (chunk) => {
        buffer += chunk.toString('latin1');
        let end: number;
        while ((end = buffer.indexOf('\r\n')) >= 0) {
          const line = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const reply = script.answer(line);
          if (reply) socket.write(reply);
        }
      });
    }));
  }

  function httpsServer(status: number, body: string): Promise<number> {
    return listen(createHttpsServer(tls, (_req, res) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(body);
    }));
  }

  function conn(protocol: ServerConnection['protocol'], port: number, allowInvalidCertificates: boolean): ServerConnection {
    return {
      protocol, host: '127.0.0.1', port, security: 'tls', allowInvalidCertificates, maxConnections: 1,
      auth: { type: 'basic', username: 'router@contoso.test', password: 'wrong' },
      mailbox: 'router@contoso.test',
      ...(protocol === 'ews' ? { ews: { url: `https://127.0.0.1:${port}/EWS/Exchange.asmx`, mailboxAccess: 'own' as const } } : {}),
    } as ServerConnection;
  }

  const cases: [string, (allow: boolean) => Promise<AccessCheck>][] = [
    ['IMAP', async (allow) => testIncomingAccess(conn('imap', await lineServer('imap'), allow), { connectTimeoutMs: 5_000, commandTimeoutMs: 5_000 })],
    ['POP3', async (allow) => testIncomingAccess(conn('pop3', await lineServer('pop3'), allow), { connectTimeoutMs: 5_000, commandTimeoutMs: 5_000 })],
    ['SMTP', async (allow) => testOutgoingAccess(conn('smtp', await lineServer('smtp'), allow))],
    ['EWS', async (allow) => testEwsAccess(conn('ews', await httpsServer(401, '{}'), allow), 'incoming')],
  ];

  it.each(cases)('%s: refuses a self-signed certificate by default, with the reason', async (name, check) => {
    const result = await check(false);
    console.log(`[tls] ${name} verified: ${result.status}: ${result.message}`);
    expect(result.status).toBe('failure');
    expect(result.message).toMatch(CERT_ERROR);
  });

  it.each(cases)('%s: with allowInvalidCertificates reaches the server and reports its own answer', async (name, check) => {
    const result = await check(true);
    console.log(`[tls] ${name} unverified: ${result.status}: ${result.message}`);
    expect(result.status).toBe('failure');
    expect(result.message).not.toMatch(CERT_ERROR);
    if (name !== 'EWS') expect(result.message).toContain(REFUSAL);
    else expect(result.message).toMatch(/401|unauthori[sz]ed|credentials/i);
  });

  it('Graph: a token endpoint with a self-signed certificate is refused, whatever the profile says', async () => {
    const port = await httpsServer(400, JSON.stringify({ error: 'invalid_client', error_description: REFUSAL }));
    const graph = {
      ...conn('graph', port, true),
      auth: { type: 'oauth2' as const },
      graph: { tenantId: 'contoso.test', clientId: '00000000-0000-0000-0000-000000000001', clientSecret: 'x', authority: `https://127.0.0.1:${port}`, baseUrl: `https://127.0.0.1:${port}/v1.0` },
    };
    const result = await testGraphAccess(graph, 'incoming');
    console.log(`[tls] Graph: ${result.status}: ${result.message}`);
    expect(result.status).toBe('failure');
    expect(result.message).not.toContain(REFUSAL);
  });
});
