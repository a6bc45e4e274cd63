import { connect, createServer, type Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  /** Stop forwarding in both directions without closing anything (a black-holed connection). */
  freeze(): void;
  /** Forward again for new connections; those open during the freeze stay silent (never closed). */
  thaw(): void;
  /** Bytes forwarded so far, both ways. */
  bytes(): number;
  close(): Promise<void>;
}

/** A TCP proxy on 127.0.0.1 in front of `upstreamPort`, optionally delaying every chunk by `delayMs`. */
export async function startTcpProxy(
  upstreamPort: number,
  options: { delayMs?: number } = {},
): Promise<TcpProxy> {
  let frozen = false;
  let bytes = 0;
  const pairs = new Set<[Socket, Socket]>();
  // Connections open during a freeze stay black-holed for good: only a client-side timeout frees them.
  const deadPairs = new WeakSet<[Socket, Socket]>();
  const server = createServer((client) => {
    const upstream = connect(upstreamPort, '127.0.0.1');
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const pipe = (from: Socket, to: Socket) =>
      from.on('data', (b) => {
        if (frozen || deadPairs.has(pair)) return; // swallowed, like a link that went silent mid-batch
        bytes += b.length;
        if (options.delayMs) setTimeout(() => to.writable && to.write(b), options.delayMs);
        else to.write(b);
      });
    pipe(client, upstream);
    pipe(upstream, client);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    freeze: () => {
      frozen = true;
      for (const p of pairs) deadPairs.add(p);
    },
    thaw: () => {
      frozen = false;
    },
    bytes: () => bytes,
    close: () =>
      new Promise<void>((r) => {
        for (const [a, b] of pairs) {
          a.destroy();
          b.destroy();
        }
        server.close(() => r());
      }),
  };
}
