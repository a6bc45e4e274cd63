/**
 * The benchmark's target: a fast HTTP server in its own process, so its CPU is not the monitor's.
 * Any path answers 200 with a small JSON body (argv[4], default HEALTHY_RESPONSE of
 * bench/target-body.ts) the services' regex matches. It listens on N ports (argv[2], default 1):
 * each port is a distinct origin, so services spread over them are not all behind one per-origin
 * politeness cap. It tells its parent the ports once listening ({ ports }).
 *
 * With argv[3] = 'record' it also records every arrival on `/svc/<i>`: the service index and the
 * time the request handler ran (epoch ms, sub-millisecond), in two growing typed arrays. Arrivals
 * are what the monitor, seen from outside, did; bench/gaps.ts turns them into figures.
 *
 * Messages from the parent (fork with serialization 'advanced'):
 *   'count'    → { served, distinct, loopDelayP99Ms, loopDelayMaxMs } (distinct: service indexes seen)
 *   'reset-delay'  restarts the loop-delay histogram (at the window's start)
 *   'arrivals' → { index: Int32Array, at: Float64Array } (every arrival so far)
 *   'stop'     → closes and exits
 *   fork('dist/bench/target-server.js', ['32', 'record', '{"status":"UP"}'], { serialization: 'advanced' })
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { HEALTHY_RESPONSE } from './target-body.js';

const BODY = Buffer.from(process.argv[4] ?? HEALTHY_RESPONSE.body);
const origins = Math.max(1, Math.floor(Number(process.argv[2] ?? 1)) || 1);
const record = process.argv[3] === 'record';
let served = 0;

// Arrival log: parallel arrays, doubled when full (the copy happens rarely and off the clock
// that matters: a late arrival shows up as a gap, which is why the loop delay is reported too).
let index = new Int32Array(record ? 1 << 16 : 0);
let at = new Float64Array(record ? 1 << 16 : 0);
let n = 0;
const seen = new Set<number>();
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();

function recordArrival(url: string | undefined): void {
  const now = performance.timeOrigin + performance.now();
  if (url === undefined || !url.startsWith('/svc/')) return;
  const i = Number.parseInt(url.slice(5), 10);
  if (!Number.isSafeInteger(i)) return;
  if (n === index.length) {
    const bigIndex = new Int32Array(index.length * 2);
    bigIndex.set(index);
    index = bigIndex;
    const bigAt = new Float64Array(at.length * 2);
    bigAt.set(at);
    at = bigAt;
  }
  index[n] = i;
  at[n] = now;
  n++;
  seen.add(i);
}

function listen(): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    served++;
    if (record) recordArrival(req.url);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': BODY.length });
    res.end(BODY);
  });
  server.keepAliveTimeout = 30_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as AddressInfo).port }));
  });
}

const listening = await Promise.all(Array.from({ length: origins }, listen));
process.send?.({ ports: listening.map((l) => l.port) });

process.on('message', (m: unknown) => {
  if (m === 'count') {
    process.send?.({
      served,
      distinct: seen.size,
      loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
      loopDelayMaxMs: loopDelay.max / 1e6,
    });
  } else if (m === 'reset-delay') {
    loopDelay.reset();
  } else if (m === 'arrivals') {
    process.send?.({ index: index.slice(0, n), at: at.slice(0, n) });
  } else if (m === 'stop') {
    let open = listening.length;
    for (const { server } of listening) {
      server.closeAllConnections();
      server.close(() => {
        if (--open === 0) process.exit(0);
      });
    }
  }
});
process.on('disconnect', () => process.exit(0));
