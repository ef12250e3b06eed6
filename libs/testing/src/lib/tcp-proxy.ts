import { AddressInfo, connect, createServer, Socket } from 'node:net';

/** For tests: a loopback TCP proxy whose connections can be cut, as a network failure would. */
export interface TcpProxy {
  port: number;
  dropAll(): void;
  /**
   * Arms the proxy: the next `times` connections that get more than `bytes` bytes from the
   * server are cut as soon as they pass it, mid-response (e.g. mid-FETCH of a large message).
   * Connections that never get that much (login, listing, IDLE) pass untouched.
   */
  cutAfterServerBytes(bytes: number, times?: number): void;
  /** Connections cut by `cutAfterServerBytes` so far. */
  readonly cuts: number;
  close(): Promise<void>;
}

export async function tcpProxy(host: string, port: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const armed = { bytes: Infinity, times: 0 };
  let cuts = 0;
  const server = createServer((inbound) => {
    const outbound = connect(port, host);
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    }
    inbound.pipe(outbound);
    let fromServer = 0;
    outbound.on('data', (chunk: Buffer) => {
      fromServer += chunk.length;
      if (armed.times > 0 && fromServer > armed.bytes) {
        armed.times--;
        cuts++;
        // Forward only what came before the limit, then cut both sides without a goodbye.
        inbound.write(chunk.subarray(0, Math.max(0, chunk.length - (fromServer - armed.bytes))));
        inbound.destroy();
        outbound.destroy();
        return;
      }
      if (!inbound.write(chunk)) {
        outbound.pause();
        inbound.once('drain', () => outbound.resume());
      }
    });
    outbound.on('end', () => inbound.end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const dropAll = () => sockets.forEach((s) => s.destroy());
  return {
    port: (server.address() as AddressInfo).port,
    dropAll,
    cutAfterServerBytes: (bytes, times = 1) => {
      armed.bytes = bytes;
      armed.times = times;
    },
    get cuts() {
      return cuts;
    },
    close: () => new Promise<void>((r) => {
      dropAll();
      server.close(() => r());
    }),
  };
}
