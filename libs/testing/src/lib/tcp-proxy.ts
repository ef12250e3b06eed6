import { AddressInfo, connect, createServer, Socket } from 'node:net';

/** For tests: a loopback TCP proxy whose connections can be cut, as a network failure would. */
export interface TcpProxy {
  port: number;
  dropAll(): void;
  close(): Promise<void>;
}

export async function tcpProxy(host: string, port: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const server = createServer((inbound) => {
    const outbound = connect(port, host);
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const dropAll = () => sockets.forEach((s) => s.destroy());
  return {
    port: (server.address() as AddressInfo).port,
    dropAll,
    close: () => new Promise<void>((r) => {
      dropAll();
      server.close(() => r());
    }),
  };
}
