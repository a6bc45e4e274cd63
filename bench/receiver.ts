/**
 * The `10k-alerts` webhook receiver: an HTTP server on 127.0.0.1 in the bench's process (idle while
 * the daemon runs: it only sleeps and polls the target) that answers 200 to every request as soon
 * as its body has arrived, and records when it arrived and which event it carried. It is what a
 * healthy receiver looks like: never slow, never refusing, so what is measured is the monitor.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

/** One request the receiver accepted: when (epoch ms, when its body had arrived) and what. */
export interface Received {
  at: number;
  eventId: string;
  kind: string;
  serviceUrl: string;
  /** The event's opened_at, epoch ms (null when absent or unreadable). */
  openedAt: number | null;
}

export interface Receiver {
  url: string;
  /** Every request in arrival order. */
  received: Received[];
  /** Bodies that were not a NotifyEvent (expected 0). */
  malformed(): number;
  close(): Promise<void>;
}

interface EventBody {
  event_id?: unknown;
  kind?: unknown;
  service?: { url?: unknown };
  opened_at?: unknown;
}

export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  let malformed = 0;
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = performance.timeOrigin + performance.now();
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 2 });
      res.end('ok');
      try {
        const e = JSON.parse(Buffer.concat(chunks).toString('utf8')) as EventBody;
        if (typeof e.event_id !== 'string' || typeof e.kind !== 'string') throw new Error('not an event');
        const opened = typeof e.opened_at === 'string' ? Date.parse(e.opened_at) : Number.NaN;
        received.push({
          at,
          eventId: e.event_id,
          kind: e.kind,
          serviceUrl: typeof e.service?.url === 'string' ? e.service.url : '',
          openedAt: Number.isFinite(opened) ? opened : null,
        });
      } catch {
        malformed++;
      }
    });
  });
  server.keepAliveTimeout = 30_000;
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    malformed: () => malformed,
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
