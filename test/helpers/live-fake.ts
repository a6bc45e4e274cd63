import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HistoryBucket, ServiceStatus } from '../../src/live/types.js';

/**
 * A stand-in for the daemon's live HTTP server, for page tests: `GET /` renders the page from the
 * current statuses, `/api/status` and `/api/services/:key/history` serve JSON; a test changes
 * `statuses` to change what the next refresh sees. With a token, the API wants the bearer.
 */
export interface LiveFake {
  url: string;
  statuses: ServiceStatus[];
  /** Keys whose history was asked for, in order. */
  historyAsked: string[];
  /** The `step` of each history request, in order. */
  historySteps: number[];
  /** While true, `/api/status` answers 503. */
  failStatus: boolean;
  close(): Promise<void>;
}

export async function startLiveFake(opts: {
  statuses: ServiceStatus[];
  page: (statuses: ServiceStatus[]) => { html: string; headers: Readonly<Record<string, string>> };
  history?: (key: string, from: number, to: number, step: number) => HistoryBucket[];
  token?: string;
}): Promise<LiveFake> {
  const fake: LiveFake = {
    url: '',
    statuses: opts.statuses,
    historyAsked: [],
    historySteps: [],
    failStatus: false,
    close: async () => {},
  };
  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const json = (code: number, v: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(v));
    };
    if (u.pathname === '/') {
      if (opts.token && u.searchParams.get('token') !== opts.token)
        return json(401, { error: 'unauthorized' });
      const p = opts.page(fake.statuses);
      res.writeHead(200, p.headers).end(p.html);
      return;
    }
    if (opts.token && req.headers.authorization !== `Bearer ${opts.token}`)
      return json(401, { error: 'unauthorized' });
    if (u.pathname === '/api/status' && fake.failStatus) return json(503, { error: 'not ready' });
    if (u.pathname === '/api/status') return json(200, { services: fake.statuses });
    const m = /^\/api\/services\/([^/]+)\/history$/.exec(u.pathname);
    if (m) {
      const key = decodeURIComponent(m[1] as string);
      fake.historyAsked.push(key);
      const [from, to, step] = ['from', 'to', 'step'].map((k) => Number(u.searchParams.get(k)));
      fake.historySteps.push(step as number);
      return json(200, { buckets: opts.history?.(key, from as number, to as number, step as number) ?? [] });
    }
    json(404, { error: 'not found' });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  };
  return fake;
}

/** A status with everything filled in; `over` replaces fields. */
export function statusOf(key: string, url: string, over: Partial<ServiceStatus> = {}): ServiceStatus {
  const now = Date.now();
  return {
    key,
    url,
    method: 'GET',
    origin: new URL(url).origin,
    state: 'up',
    since: now - 3_600_000,
    lastAt: now - 5_000,
    lastDurationMs: 42,
    lastStatusCode: 200,
    lastErrorClass: null,
    latencyP50Ms: 40,
    latencyP95Ms: 90,
    uptime24h: 0.999,
    uptime7d: 0.999,
    uptime30d: 0.999,
    openIncident: null,
    ...over,
  };
}
