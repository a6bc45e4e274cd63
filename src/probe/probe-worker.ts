/**
 * The probe worker thread: the real prober (undici pools, DNS cache, regex) runs here, so the
 * HTTP work does not share the main thread with the scheduler, the runner and SQLite. Started by
 * threaded-prober.ts; speaks worker-protocol.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ResolvedService } from '../config/resolve.js';
import type { ProbeResult } from '../results/types.js';
import { createGatedProber } from './gated-prober.js';
import {
  encodeResult,
  type FromWorker,
  type ProbeWorkerData,
  START_STRIDE,
  type ToWorker,
} from './worker-protocol.js';

const HEARTBEAT_MS = 1000;
const port = parentPort;
if (port === null) throw new Error('probe-worker.js must run as a worker thread');

const { options, batchMs, concurrency } = workerData as ProbeWorkerData;
// The caps apply here, where requests finish: a slot goes to the next probe without a round trip
// to the main thread (see request-gate.ts).
const prober = createGatedProber({ ...options, concurrency });
const services = new Map<number, ResolvedService>();
const shutdown = new Map<number, AbortController>();

let outgoing: FromWorker['results'] & unknown[] = [];
let flushQueued = false;

// Results that finish in the same turn of the event loop go in one message.
function flush(): void {
  flushQueued = false;
  const results = outgoing;
  outgoing = [];
  port!.postMessage({ results } satisfies FromWorker);
}

function done(seq: number, result: ProbeResult): void {
  encodeResult(outgoing, seq, result);
  if (!flushQueued) {
    flushQueued = true;
    if (batchMs > 0) setTimeout(flush, batchMs);
    else setImmediate(flush);
  }
}

/** The worker's stand-in for one of the main thread's shutdown signals. */
function controllerFor(id: number): AbortController {
  let c = shutdown.get(id);
  if (c === undefined) {
    c = new AbortController();
    shutdown.set(id, c);
  }
  return c;
}

function start(
  seq: number,
  serviceId: number,
  scheduledAt: number,
  signalId: number,
  windowEndsAt: number,
): void {
  const service = services.get(serviceId);
  if (service === undefined) {
    // Cannot happen while the main thread sends a service before its first start.
    throw new Error(`probe worker: unknown service id ${serviceId}`);
  }
  const signal = signalId === 0 ? undefined : controllerFor(signalId).signal;
  // The agent name is filled in on the main thread.
  void prober.probe(service, { scheduledAt, windowEndsAt, agent: '', signal }).then((r) => done(seq, r));
}

// The main thread takes a silent worker for a stuck one (see ThreadedProberOptions.hangMs).
setInterval(() => port.postMessage({} satisfies FromWorker), HEARTBEAT_MS).unref();

port.on('message', (m: ToWorker) => {
  if (m.services) for (const [id, s] of m.services) services.set(id, s);
  if (m.forget) for (const id of m.forget) services.delete(id);
  // Shutdown: the gated prober misses the probes still waiting for a slot.
  if (m.abort) for (const id of m.abort) controllerFor(id).abort();
  if (m.starts) {
    const s = m.starts;
    for (let i = 0; i < s.length; i += START_STRIDE) start(s[i]!, s[i + 1]!, s[i + 2]!, s[i + 3]!, s[i + 4]!);
  }
  if (m.close) {
    void prober.close().finally(() => {
      port.postMessage({ closed: true } satisfies FromWorker);
      port.close();
    });
  }
});
