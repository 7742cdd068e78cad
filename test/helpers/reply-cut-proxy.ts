import { createServer, type Socket, connect as tcpConnect } from 'node:net';
import { after } from 'node:test';

export interface ReplyCutProxy {
  /** `redis://127.0.0.1:<port>`: connect here instead of to the upstream. */
  url: string;
  /** From now on, what the upstream answers is not passed on (requests still are). */
  swallowReplies(): void;
  /** Closes every connection open now; later ones pass through both ways again. */
  cut(): void;
}

/**
 * A TCP proxy in front of a Redis server that, on command, lets requests through but loses
 * the replies and then drops the connection: what a client sees when the network fails after
 * the server has acted. Closed after the enclosing suite.
 */
export async function startReplyCutProxy(upstreamUrl: string): Promise<ReplyCutProxy> {
  const up = new URL(upstreamUrl);
  const open = new Set<Socket>();
  let swallow = false;
  const server = createServer((client) => {
    const upstream = tcpConnect(Number(up.port), up.hostname);
    const pair = [client, upstream];
    for (const s of pair) {
      open.add(s);
      s.on('error', () => {});
      s.on('close', () => {
        open.delete(s);
        for (const other of pair) other.destroy();
      });
    }
    client.on('data', (d) => upstream.write(d));
    upstream.on('data', (d) => {
      if (!swallow) client.write(d);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  after(() => {
    for (const s of open) s.destroy();
    server.close();
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `redis://127.0.0.1:${port}`,
    swallowReplies() {
      swallow = true;
    },
    cut() {
      for (const s of open) s.destroy();
      swallow = false;
    },
  };
}
