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
 * argv[5], optional JSON `{ flapEvery, downMs, upMs }` (bench/target.ts TargetBehaviour): service
 * i with i % flapEvery === 0 flaps, answering 500 for downMs then 200 for upMs, each with its own
 * phase (so their incidents open and resolve spread over time, not all at once). The other paths
 * pay one integer comparison for it; the service index is parsed only when recording or flapping.
 *
 * Messages from the parent (fork with serialization 'advanced'):
 *   'count'    → { served, distinct, loopDelayP99Ms, loopDelayMaxMs } (distinct: service indexes seen)
 *   'reset-delay'  restarts the loop-delay histogram (at the window's start)
 *   'arrivals' → { index: Int32Array, at: Float64Array } (every arrival so far)
 *   { originDown: k, down }  origin k (its port's index) answers 500 on every path from now on
 *              (or again 200) → { originDownAt: epoch ms when it took effect }
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
const behaviour = JSON.parse(process.argv[5] ?? '{}') as {
  flapEvery?: number;
  downMs?: number;
  upMs?: number;
};
const flapEvery = Math.max(0, Math.floor(behaviour.flapEvery ?? 0));
const downMs = behaviour.downMs ?? 20_000;
const cycleMs = downMs + (behaviour.upMs ?? 20_000);
const BROKEN = Buffer.from('{"status":"broken"}\n');
/** Per origin: answering 500 on every path. */
const originDown: boolean[] = [];
let served = 0;

// Arrival log: parallel arrays, doubled when full (the copy happens rarely and off the clock
// that matters: a late arrival shows up as a gap, which is why the loop delay is reported too).
let index = new Int32Array(record ? 1 << 16 : 0);
let at = new Float64Array(record ? 1 << 16 : 0);
let n = 0;
const seen = new Set<number>();
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();

/** The service index of `/svc/<i>`, else -1. */
function indexOf(url: string | undefined): number {
  if (url === undefined || !url.startsWith('/svc/')) return -1;
  const i = Number.parseInt(url.slice(5), 10);
  return Number.isSafeInteger(i) ? i : -1;
}

/** Whether flapping service i is in its down part now; its phase is spread by its rank (~1 s apart). */
function flapDown(i: number, now: number): boolean {
  const rank = i / flapEvery;
  return (now + rank * 997) % cycleMs < downMs;
}

function recordArrival(i: number, now: number): void {
  if (i < 0) return;
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

function listen(_: unknown, origin: number): Promise<{ server: Server; port: number }> {
  originDown.push(false);
  const server = createServer((req, res) => {
    served++;
    let bad = originDown[origin] === true;
    if (record || flapEvery > 0) {
      const now = performance.timeOrigin + performance.now();
      const i = indexOf(req.url);
      if (record) recordArrival(i, now);
      if (flapEvery > 0 && i >= 0 && i % flapEvery === 0 && flapDown(i, now)) bad = true;
    }
    const body = bad ? BROKEN : BODY;
    res.writeHead(bad ? 500 : 200, { 'content-type': 'application/json', 'content-length': body.length });
    res.end(body);
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
  } else if (m !== null && typeof m === 'object' && 'originDown' in m) {
    const { originDown: k, down } = m as { originDown: number; down: boolean };
    originDown[k] = down;
    process.send?.({ originDownAt: performance.timeOrigin + performance.now() });
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
