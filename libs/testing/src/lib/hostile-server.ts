import { AddressInfo, createServer, Server, Socket } from 'node:net';

/**
 * For tests: a loopback TCP server that plays a misbehaving mail server (IMAP, POP3, SMTP). It is
 * an emulator, not a mail server: every script decides, line by line, what the client is told.
 * Scripts can stay silent, answer normally, or flood the client until it hangs up.
 */
export interface HostileConnection {
  readonly socket: Socket;
  /** Writes `text` as is (add the CRLFs yourself). */
  write(text: string): void;
  /**
   * Writes `next()` again and again, waiting for the socket to drain between writes, until the
   * client hangs up or `next()` returns null. Resolves with the bytes written.
   */
  flood(next: () => string | Buffer | null): Promise<number>;
}

export interface HostileScript {
  /** Sent on connect. Absent: the server says nothing (a greeting that never comes). */
  greeting?: string;
  /** Called with each CRLF-terminated line the client sends (without the CRLF). */
  onLine?(line: string, conn: HostileConnection): void;
  /**
   * Longest client line accepted; longer ones get `tooLongReply` and the connection is closed,
   * as real servers do (Dovecot: imap_max_line_length, 64 KiB by default).
   */
  maxLineBytes?: number;
  tooLongReply?: string;
}

export interface HostileServer {
  port: number;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Every client line received, in order (lines longer than 200 characters are cut, with their length). */
  readonly received: string[];
  close(): Promise<void>;
}

function connectionOf(socket: Socket): HostileConnection {
  return {
    socket,
    write: (text) => {
      if (!socket.destroyed) socket.write(text);
    },
    flood: async (next) => {
      let written = 0;
      while (!socket.destroyed && socket.writable) {
        const chunk = next();
        if (chunk === null) break;
        written += Buffer.byteLength(chunk);
        if (!socket.write(chunk)) {
          // Wait for the client to read, or to hang up.
          await new Promise<void>((resolve) => {
            const done = () => {
              socket.off('drain', done);
              socket.off('close', done);
              resolve();
            };
            socket.once('drain', done);
            socket.once('close', done);
          });
        }
      }
      return written;
    },
  };
}

function summarize(line: string): string {
  return line.length > 200 ? `${line.slice(0, 200)}… (${line.length} characters)` : line;
}

export async function hostileServer(script: HostileScript): Promise<HostileServer> {
  const sockets = new Set<Socket>();
  const received: string[] = [];
  let connections = 0;
  const server: Server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    const conn = connectionOf(socket);
    if (script.greeting !== undefined) conn.write(script.greeting);
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      let nl: number;
      while ((nl = pending.indexOf('\r\n')) >= 0) {
        const line = pending.subarray(0, nl).toString('latin1');
        pending = pending.subarray(nl + 2);
        received.push(summarize(line));
        if (script.maxLineBytes !== undefined && nl > script.maxLineBytes) {
          conn.write(script.tooLongReply ?? '');
          socket.end();
          return;
        }
        script.onLine?.(line, conn);
      }
      if (script.maxLineBytes !== undefined && pending.length > script.maxLineBytes) {
        received.push(summarize(pending.toString('latin1')));
        conn.write(script.tooLongReply ?? '');
        socket.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    get connections() {
      return connections;
    },
    received,
    close: () =>
      new Promise<void>((resolve) => {
        sockets.forEach((s) => s.destroy());
        server.close(() => resolve());
      }),
  };
}

/**
 * A minimal IMAP4rev1 dialogue (RFC 3501) a hostile script builds on: greeting, CAPABILITY,
 * LOGIN, SELECT INBOX (3 messages, UIDVALIDITY 1), LOGOUT; `override` answers any command first
 * (return true when it did). Unknown commands get `OK`.
 */
export function imapScript(override: (tag: string, command: string, args: string, conn: HostileConnection) => boolean): HostileScript {
  return {
    greeting: '* OK [CAPABILITY IMAP4rev1] X-MailRouter-Emulator: hostile IMAP server ready\r\n',
    maxLineBytes: 64 * 1024,
    tooLongReply: '* BYE Command line too long\r\n',
    onLine(line, conn) {
      const [tag, rawCommand = '', ...rest] = line.split(' ');
      let command = rawCommand.toUpperCase();
      let args = rest.join(' ');
      if (command === 'UID') {
        const [sub = '', ...more] = rest;
        command = `UID ${sub.toUpperCase()}`;
        args = more.join(' ');
      }
      if (override(tag, command, args, conn)) return;
      switch (command) {
        case 'CAPABILITY':
          conn.write(`* CAPABILITY IMAP4rev1\r\n${tag} OK CAPABILITY completed\r\n`);
          return;
        case 'SELECT':
        case 'EXAMINE':
          conn.write(
            '* FLAGS (\\Seen \\Deleted)\r\n* 3 EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY 1] UIDs valid\r\n' +
              `* OK [UIDNEXT 4] Predicted next UID\r\n${tag} OK [READ-WRITE] SELECT completed\r\n`,
          );
          return;
        case 'LOGOUT':
          conn.write(`* BYE logging out\r\n${tag} OK LOGOUT completed\r\n`);
          conn.socket.end();
          return;
        default:
          conn.write(`${tag} OK ${command} completed\r\n`);
      }
    },
  };
}
