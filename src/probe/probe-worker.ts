/**
 * The probe worker thread: the real prober (undici pools, DNS cache, regex) runs here, so the
 * HTTP work does not share the main thread with the scheduler, the runner and SQLite. Started by
 * threaded-prober.ts; speaks worker-protocol.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ResolvedService } from '../config/resolve.js';
import type { ProbeResult } from '../results/types.js';
import { missedResult, resultWithoutResponse } from '../results/without-response.js';
import { createProber } from './prober.js';
import { createRequestGate } from './request-gate.js';
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
const prober = createProber(options);
/** Services whose last slot was missed here: their next probe waits at an overloaded origin, and goes first. */
const owedServices = new WeakSet<ResolvedService>();
const gate = createRequestGate<GateItem>({
  start: run,
  miss,
  perOrigin: options.perOrigin,
  concurrency,
  owed: (item) => owedServices.has(item.service),
});
const CAPS_FULL = 'the concurrency caps stayed full';
const STOPPED_FIRST = 'slot not started: the monitor stopped while it waited for the concurrency caps';
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

/** A probe the worker was asked to run, as it waits at the gate. */
interface GateItem {
  seq: number;
  service: ResolvedService;
  scheduledAt: number;
  signal: AbortSignal | undefined;
}

function run({ seq, service, scheduledAt, signal }: GateItem): void {
  owedServices.delete(service);
  // The agent name is filled in on the main thread.
  prober.probe(service, { scheduledAt, agent: '', signal }).then((r) => {
    gate.release(service.origin);
    done(seq, r);
  });
}

function miss({ seq, service, scheduledAt, signal }: GateItem): void {
  const t = Date.now();
  owedServices.add(service);
  done(
    seq,
    signal?.aborted
      ? resultWithoutResponse(service, scheduledAt, '', t, null, 'missed', STOPPED_FIRST)
      : missedResult(service, scheduledAt, '', CAPS_FULL, t),
  );
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
  gate.enter(service.origin, windowEndsAt, { seq, service, scheduledAt, signal });
}

// The main thread takes a silent worker for a stuck one (see ThreadedProberOptions.hangMs).
setInterval(() => port.postMessage({} satisfies FromWorker), HEARTBEAT_MS).unref();

port.on('message', (m: ToWorker) => {
  if (m.services) for (const [id, s] of m.services) services.set(id, s);
  if (m.forget) for (const id of m.forget) services.delete(id);
  if (m.abort) {
    for (const id of m.abort) controllerFor(id).abort();
    // Shutdown: probes still waiting for a slot never started, and now never will.
    gate.abandon();
  }
  if (m.starts) {
    const s = m.starts;
    for (let i = 0; i < s.length; i += START_STRIDE) start(s[i]!, s[i + 1]!, s[i + 2]!, s[i + 3]!, s[i + 4]!);
  }
  if (m.close) {
    gate.close();
    void prober.close().finally(() => {
      port.postMessage({ closed: true } satisfies FromWorker);
      port.close();
    });
  }
});
