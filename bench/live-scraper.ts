/**
 * The `10k-live` load on the daemon's HTTP server, from the bench's process: every 5 s a
 * Prometheus-style scrape of /metrics and, half a period later, a page refresh (GET /, then
 * GET /api/status as the page's script does). Each request is timed on the client from before the
 * request to the last byte of the body; its status and body size are kept.
 */
import { performance } from 'node:perf_hooks';

export type Route = 'metrics' | 'page' | 'api';

export interface Sample {
  route: Route;
  /** Epoch ms the request was sent. */
  at: number;
  /** Client-side total: request sent → body read, ms. */
  ms: number;
  /** HTTP status, or 0 when the request failed (connection refused, reset, timeout). */
  status: number;
  bytes: number;
}

export interface ScrapeOptions {
  /** http://HOST:PORT of the daemon. */
  base: string;
  /** Epoch ms: the first scrape at t0, none sent at or after t1. */
  t0: number;
  t1: number;
  /** Default 5000 (a Prometheus scrape_interval of 5 s). */
  periodMs?: number;
  /** Default 10,000: a request not answered by then counts as failed (status 0). */
  timeoutMs?: number;
}

const PATHS: Record<Route, string> = { metrics: '/metrics', page: '/', api: '/api/status' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function get(base: string, route: Route, timeoutMs: number): Promise<Sample> {
  const at = Date.now();
  const begin = performance.now();
  try {
    const res = await fetch(`${base}${PATHS[route]}`, { signal: AbortSignal.timeout(timeoutMs) });
    const body = await res.arrayBuffer();
    return { route, at, ms: performance.now() - begin, status: res.status, bytes: body.byteLength };
  } catch {
    return { route, at, ms: performance.now() - begin, status: 0, bytes: 0 };
  }
}

/** Scrapes until t1 and returns every request's sample (each loop waits for its own requests). */
export async function scrape(o: ScrapeOptions): Promise<Sample[]> {
  const period = o.periodMs ?? 5000;
  const timeout = o.timeoutMs ?? 10_000;
  const samples: Sample[] = [];
  // Two loops on their own clocks, so a slow page never delays a scrape (or the other way round).
  const loop = async (offset: number, routes: readonly Route[]) => {
    for (let k = 0; ; k++) {
      const due = o.t0 + offset + k * period;
      if (due >= o.t1) return;
      await sleep(Math.max(0, due - Date.now()));
      for (const route of routes) samples.push(await get(o.base, route, timeout));
    }
  };
  await Promise.all([loop(0, ['metrics']), loop(period / 2, ['page', 'api'])]);
  return samples.sort((a, b) => a.at - b.at);
}
