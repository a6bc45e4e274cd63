import { once } from 'node:events';
import http from 'node:http';
import type net from 'node:net';

/** One request as the delayed receiver saw it, and what became of its answer. */
export interface DelayedRequest {
  idempotencyKey: string | undefined;
  /** The body's event_id (undefined when the body is not a JSON event). */
  eventId: string | undefined;
  incidentId: string | null | undefined;
  kind: string | undefined;
  status: number;
  /**
   * The answer was 2xx and fully handed to the connection: the receiver processed the event.
   * False when the sender went away during the delay (a killed daemon) or the answer was not 2xx.
   */
  accepted: boolean;
}

export interface DelayedReceiver {
  url: string;
  requests: DelayedRequest[];
  /** Requests whose answer is still being delayed now. */
  readonly inFlight: number;
  close(): Promise<void>;
}

export interface DelayedReceiverOptions {
  /** Longest random delay before answering, ms (uniform from 0). Default 400. */
  maxDelayMs?: number;
  /** Share of requests answered 500 instead of 200. Default 0.1. */
  failShare?: number;
}

/**
 * A webhook receiver on 127.0.0.1 that answers each request after a random delay, so that a
 * SIGKILL of the sender lands mid-delivery, and refuses a share of them with 500. It records,
 * per request, whether it really accepted the event (2xx written to a live connection).
 */
export async function startDelayedReceiver(options: DelayedReceiverOptions = {}): Promise<DelayedReceiver> {
  const maxDelayMs = options.maxDelayMs ?? 400;
  const failShare = options.failShare ?? 0.1;
  const requests: DelayedRequest[] = [];
  const sockets = new Set<net.Socket>();
  let inFlight = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let event: { event_id?: string; incident_id?: string | null; kind?: string } = {};
      try {
        event = JSON.parse(Buffer.concat(chunks).toString()) as typeof event;
      } catch {
        // Recorded with no event id: the test's comparison then fails on it.
      }
      const status = Math.random() < failShare ? 500 : 200;
      const record: DelayedRequest = {
        idempotencyKey: req.headers['idempotency-key'] as string | undefined,
        eventId: event.event_id,
        incidentId: event.incident_id,
        kind: event.kind,
        status,
        accepted: false,
      };
      requests.push(record);
      inFlight++;
      setTimeout(
        () => {
          inFlight--;
          if (req.socket.destroyed || res.destroyed) return;
          res.writeHead(status, { 'content-type': 'text/plain' });
          // 'finish': the answer reached the connection, so the sender can have seen it.
          res.end(status === 200 ? 'ok' : 'busy', () => {
            record.accepted = status >= 200 && status < 300;
          });
        },
        Math.floor(Math.random() * (maxDelayMs + 1)),
      );
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
    url: `http://127.0.0.1:${port}/hook`,
    requests,
    get inFlight() {
      return inFlight;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
