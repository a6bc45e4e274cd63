import { once } from 'node:events';
import http from 'node:http';
import type net from 'node:net';

/** One request the receiver got. Header names are lower case. */
export interface ReceivedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** How the receiver answers: a status (with headers and a body), or 'hang' (never answer). */
export type ReceiverAnswer = { status: number; headers?: Record<string, string>; body?: string } | 'hang';

export interface ReceiverOptions {
  /** The answer to the first `count` requests. Default: none (every request gets `rest`). */
  first?: { count: number; answer: ReceiverAnswer };
  /** The answer after those. Default 200 with body 'ok'. */
  rest?: ReceiverAnswer;
  /** Decides every answer itself (n = the request's number, from 1); replaces first and rest. */
  answer?: (n: number) => ReceiverAnswer;
}

export interface NotifyReceiver {
  url: string;
  /** Every request in arrival order, each recorded once its body has arrived. */
  requests: ReceivedRequest[];
  /** Resolves when `n` requests have been recorded. */
  waitFor(n: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * A webhook receiver on 127.0.0.1 (port 0) for notifier tests: records each request, answers
 * as told (500, 429 with Retry-After, hang…) for the first k requests, then 200. close()
 * destroys open connections, hanging ones included.
 */
export async function startNotifyReceiver(
  options: ReceiverOptions = {},
  path = '/hook',
): Promise<NotifyReceiver> {
  const requests: ReceivedRequest[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks),
      });
      for (const w of waiters.filter((w) => requests.length >= w.n)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
      const first = options.first;
      const answer = options.answer
        ? options.answer(requests.length)
        : first && requests.length <= first.count
          ? first.answer
          : (options.rest ?? { status: 200, body: 'ok' });
      if (answer === 'hang') return;
      res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
      res.end(answer.body ?? '');
    });
  });
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    requests,
    waitFor: (n) =>
      requests.length >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve })),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
