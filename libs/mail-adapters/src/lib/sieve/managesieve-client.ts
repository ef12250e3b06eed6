import { connect as netConnect, Socket } from 'node:net';
import { connect as tlsConnect, TLSSocket } from 'node:tls';
import type { ServerConnection } from '../endpoint';
import {
  ManageSieveProtocolError, ManageSieveResponse, manageSieveLiteral, parseManageSieveResponse, quoteManageSieveString,
} from './managesieve-response';

/** ManageSieve's registered port (RFC 5804 §1.8). */
export const MANAGESIEVE_DEFAULT_PORT = 4190;

export interface ManageSieveOptions {
  connectTimeoutMs?: number;
  /** Longest wait for one command's complete response. */
  commandTimeoutMs?: number;
  /** Largest response accepted (a script listing or a script). */
  maxResponseBytes?: number;
}

const DEFAULTS: Required<ManageSieveOptions> = { connectTimeoutMs: 15_000, commandTimeoutMs: 30_000, maxResponseBytes: 1024 * 1024 };

/** A NO or BYE from the server (its own words in `message`), or a command that could not complete. */
export class ManageSieveError extends Error {
  constructor(message: string, readonly response?: ManageSieveResponse) {
    super(message);
  }

  get code(): string | undefined {
    return this.response?.code;
  }
}

export interface SieveScriptInfo {
  name: string;
  active: boolean;
}

/**
 * A small ManageSieve client (RFC 5804) over node:net / node:tls: greeting and capabilities,
 * STARTTLS, AUTHENTICATE PLAIN, LISTSCRIPTS, GETSCRIPT, PUTSCRIPT, CHECKSCRIPT, SETACTIVE,
 * DELETESCRIPT, LOGOUT. One command at a time; every command is bounded in time and size.
 */
export class ManageSieveClient {
  private buf = Buffer.alloc(0);
  private waiter?: { resolve: (r: ManageSieveResponse) => void; reject: (e: Error) => void };
  private failure?: Error;
  /** Capabilities from the last greeting (names upper case → value, '' when none). */
  capabilities = new Map<string, string>();

  private constructor(private socket: Socket, private readonly opts: Required<ManageSieveOptions>, private readonly where: string) {
    this.attach(socket);
  }

  /** Connects (TLS, STARTTLS or plain as `conn.security` says) and reads the capabilities. */
  static async connect(conn: ServerConnection, options: ManageSieveOptions = {}): Promise<ManageSieveClient> {
    const opts = { ...DEFAULTS, ...options };
    const port = conn.manageSievePort ?? MANAGESIEVE_DEFAULT_PORT;
    const where = `ManageSieve ${conn.host}:${port}`;
    const tlsOptions = { servername: conn.host, rejectUnauthorized: !conn.allowInvalidCertificates };
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s: Socket = conn.security === 'tls'
        ? tlsConnect({ host: conn.host, port, ...tlsOptions }, () => resolve(s))
        : netConnect({ host: conn.host, port }, () => resolve(s));
      s.setTimeout(opts.connectTimeoutMs, () => s.destroy(new Error(`${where}: no connection within ${opts.connectTimeoutMs} ms`)));
      s.once('error', (err) => reject(new ManageSieveError(`${where}: ${err.message}`)));
    });
    socket.setTimeout(0);
    const client = new ManageSieveClient(socket, opts, where);
    try {
      client.readCapabilities(await client.read('greeting'));
      if (conn.security === 'starttls') await client.startTls(tlsOptions);
    } catch (err) {
      client.close();
      throw err;
    }
    return client;
  }

  private attach(socket: Socket): void {
    socket.on('data', (chunk: Buffer) => {
      this.buf = Buffer.concat([this.buf, chunk]);
      this.deliver();
    });
    const fail = (err: Error) => {
      this.failure ??= err;
      this.waiter?.reject(this.failure);
      this.waiter = undefined;
    };
    socket.on('error', (err) => fail(new ManageSieveError(`${this.where}: ${err.message}`)));
    socket.on('close', () => fail(new ManageSieveError(`${this.where}: the server closed the connection`)));
  }

  private deliver(): void {
    const w = this.waiter;
    if (!w) return;
    try {
      const parsed = parseManageSieveResponse(this.buf, this.opts.maxResponseBytes);
      if (!parsed) return;
      this.buf = this.buf.subarray(parsed.consumed);
      this.waiter = undefined;
      w.resolve(parsed.response);
    } catch (err) {
      this.waiter = undefined;
      this.socket.destroy();
      w.reject(new ManageSieveError(`${this.where}: ${(err as Error).message}`));
    }
  }

  /** The next complete response, within the command timeout. */
  private read(what: string): Promise<ManageSieveResponse> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<ManageSieveResponse>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        this.socket.destroy();
        reject(new ManageSieveError(`${this.where}: ${what} got no complete answer within ${this.opts.commandTimeoutMs} ms`));
      }, this.opts.commandTimeoutMs);
      this.waiter = {
        resolve: (r) => { clearTimeout(timer); resolve(r); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      };
      this.deliver();
    });
  }

  /** Sends a command; resolves with its OK response, rejects with the server's words on NO/BYE. */
  private async command(name: string, ...args: (string | Buffer)[]): Promise<ManageSieveResponse> {
    const parts: Buffer[] = [Buffer.from(name, 'latin1')];
    for (const a of args) parts.push(Buffer.from(' '), typeof a === 'string' ? Buffer.from(a, 'utf8') : a);
    parts.push(Buffer.from('\r\n'));
    if (this.failure) throw this.failure;
    this.socket.write(Buffer.concat(parts));
    const res = await this.read(name);
    if (res.status !== 'OK') {
      const code = res.code ? ` (${res.code})` : '';
      throw new ManageSieveError(`${this.where}: ${name} answered ${res.status}${code}: ${res.text || 'no reason given'}`, res);
    }
    return res;
  }

  private readCapabilities(res: ManageSieveResponse): void {
    if (res.status !== 'OK') throw new ManageSieveError(`${this.where}: greeting ${res.status}: ${res.text}`, res);
    this.capabilities = new Map(res.lines.map((l) => [String(l[0] ?? '').toUpperCase(), l[1] ?? '']));
  }

  private async startTls(options: { servername: string; rejectUnauthorized: boolean }): Promise<void> {
    if (!this.capabilities.has('STARTTLS')) throw new ManageSieveError(`${this.where}: the server does not offer STARTTLS`);
    await this.command('STARTTLS');
    const plain = this.socket;
    plain.removeAllListeners('data');
    plain.removeAllListeners('close');
    plain.removeAllListeners('error');
    this.buf = Buffer.alloc(0);
    this.socket = await new Promise<TLSSocket>((resolve, reject) => {
      const s = tlsConnect({ socket: plain, ...options }, () => resolve(s));
      s.once('error', (err) => reject(new ManageSieveError(`${this.where}: TLS: ${err.message}`)));
    });
    this.attach(this.socket);
    // RFC 5804 §2.2: after a successful TLS negotiation the server sends its capabilities again.
    this.readCapabilities(await this.read('capabilities after STARTTLS'));
  }

  /** AUTHENTICATE "PLAIN" with the initial response (RFC 4616): authzid empty. */
  async authenticate(username: string, password: string): Promise<void> {
    const sasl = (this.capabilities.get('SASL') ?? '').toUpperCase().split(/\s+/);
    if (!sasl.includes('PLAIN')) throw new ManageSieveError(`${this.where}: the server does not offer SASL PLAIN (it offers: ${sasl.join(' ') || 'nothing'})`);
    const initial = Buffer.from(`\0${username}\0${password}`, 'utf8').toString('base64');
    await this.command('AUTHENTICATE', quoteManageSieveString('PLAIN'), quoteManageSieveString(initial));
  }

  async listScripts(): Promise<SieveScriptInfo[]> {
    const res = await this.command('LISTSCRIPTS');
    return res.lines.map((l) => ({ name: l[0], active: String(l[1] ?? '').toUpperCase() === 'ACTIVE' }));
  }

  /** The script's content, or null when there is no script by that name. */
  async getScript(name: string): Promise<string | null> {
    try {
      const res = await this.command('GETSCRIPT', quoteManageSieveString(name));
      return res.lines[0]?.[0] ?? '';
    } catch (err) {
      if (err instanceof ManageSieveError && err.code === 'NONEXISTENT') return null;
      throw err;
    }
  }

  /** Stores (compiles) a script; a script with errors is refused with the compiler's words. */
  async putScript(name: string, content: string): Promise<void> {
    await this.command('PUTSCRIPT', quoteManageSieveString(name), manageSieveLiteral(content));
  }

  /** Compiles a script without storing it; resolves with the compiler's warnings ('' when none). */
  async checkScript(content: string): Promise<string> {
    const res = await this.command('CHECKSCRIPT', manageSieveLiteral(content));
    return res.code === 'WARNINGS' ? res.text : '';
  }

  /** Makes `name` the active script; '' deactivates every script. */
  async setActive(name: string): Promise<void> {
    await this.command('SETACTIVE', quoteManageSieveString(name));
  }

  async deleteScript(name: string): Promise<void> {
    await this.command('DELETESCRIPT', quoteManageSieveString(name));
  }

  /** LOGOUT, then close; never throws (the work is done by then). */
  async logout(): Promise<void> {
    try {
      if (!this.failure) await this.command('LOGOUT');
    } catch {
      // a server that drops the connection at LOGOUT has still logged us out
    } finally {
      this.close();
    }
  }

  close(): void {
    this.failure ??= new ManageSieveProtocolError(`${this.where}: connection closed by the client`);
    this.socket.destroy();
  }
}
