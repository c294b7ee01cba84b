/**
 * A TCP proxy on 127.0.0.1 for database-failure tests: `mode('pass')` forwards to the target,
 * `mode('refuse')` closes every connection (the database is down), `mode('silent')` accepts and
 * never answers (existing connections stop forwarding too: a database that hangs). With no target it
 * is a server that accepts and stays silent.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { freePort } from './ports.js';

export type ProxyMode = 'pass' | 'refuse' | 'silent';

export async function tcpProxy(target?: { host: string; port: number }): Promise<{
  port: number;
  mode(m: ProxyMode): void;
  /** Connections refused so far (closed at once in 'refuse' mode). */
  refused(): number;
  close(): Promise<void>;
}> {
  let current: ProxyMode = target ? 'pass' : 'silent';
  let refused = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => {});
    if (current === 'refuse') {
      refused++;
      return void client.destroy();
    }
    if (current === 'silent' || !target) return; // accept, read nothing, answer nothing
    const upstream = connect(target.port, target.host);
    sockets.add(upstream);
    upstream.on('close', () => {
      sockets.delete(upstream);
      client.destroy();
    });
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    client.on('data', (d) => {
      if (current === 'pass') upstream.write(d);
    });
    upstream.on('data', (d) => {
      if (current === 'pass') client.write(d);
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    mode(m) {
      current = m;
      if (m === 'refuse') for (const s of sockets) s.destroy();
    },
    refused: () => refused,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
