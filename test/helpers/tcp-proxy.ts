import { connect, createServer, type Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  /** Stop forwarding in both directions without closing anything (a black-holed connection). */
  freeze(): void;
  /** Forward again; connections that hung are closed (their protocol state is lost). */
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
  const server = createServer((client) => {
    const upstream = connect(upstreamPort, '127.0.0.1');
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const pipe = (from: Socket, to: Socket) =>
      from.on('data', (b) => {
        if (frozen) return; // swallowed, like a link that went silent mid-batch
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
    },
    thaw: () => {
      frozen = false;
      for (const [a, b] of pairs) {
        a.destroy();
        b.destroy();
      }
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
