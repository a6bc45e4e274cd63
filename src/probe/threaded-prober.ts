import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { LIMITS } from '../config/limits.js';
import type { ResolvedService } from '../config/resolve.js';
import { toError } from '../errors.js';
import type { ProbeResult } from '../results/types.js';
import { resultWithoutResponse } from '../results/without-response.js';
import type { ProberOptions } from './prober.js';
import type { ProbeOptions, Prober } from './types.js';
import {
  decodeResult,
  type FromWorker,
  NO_WINDOW_END,
  type ProbeContext,
  type ProbeWorkerData,
  RESULT_STRIDE,
  type ToWorker,
} from './worker-protocol.js';

/**
 * A Prober whose HTTP work runs in a worker thread (probe-worker.ts). The main thread keeps the
 * scheduler, the runner and every SQLite write; at thousands of probes a second, undici's request
 * and response handling was a third of that one thread's time, and moving it off is what lets the
 * two cores share the work. Starts and results cross in batches (one message per turn of the
 * event loop each way). The concurrency caps are applied in the worker (gated-prober.ts), where a
 * finished request can hand its slot to the next probe without waiting for this thread.
 *
 * If the worker dies, the probes it had are answered as `other` failures and the next probe
 * starts a fresh worker: the promise contract (never rejects, one result per call) holds.
 */

export interface ThreadedProberOptions extends ProberOptions {
  /**
   * Requests in flight in all (the config's runner.concurrency), applied in the worker with the
   * per-origin cap (perOrigin). Default 512.
   */
  concurrency?: number;
  /** How long close() waits for the worker to close its pools before terminating it. Default 2000 ms. */
  closeTimeoutMs?: number;
  /**
   * A worker that has probes and has not sent anything (results or its once-a-second heartbeat)
   * for this long is stuck (nothing should block its thread — regexes run so that they cannot,
   * see regex-matcher.ts — but no deadline could interrupt what did): it is terminated, its probes
   * fail as `other`, and a fresh one takes the next probes. Default 15,000 ms.
   */
  hangMs?: number;
  /**
   * The worker's young generation (V8's maxYoungGenerationSizeMb; 0 = V8's default). A probe's
   * garbage lives as long as its request, so a small young generation promotes it: at 8 MB the
   * worker spent 22 % of its time in the garbage collector at 10,000 probes/s and CPU rose from
   * 103 % to 139 %; 32 MB cost no more CPU than V8's default and ~10 MB less RSS. Default 32.
   */
  youngGenerationMb?: number;
  /**
   * Starts (and, in the worker, results) are sent at most this long after the first of a batch:
   * at a few thousand probes/s each message otherwise carries one or two probes, and waking the
   * other thread per message costs more than the probe's own bookkeeping. Default 2 ms.
   */
  batchMs?: number;
}

interface Pending extends ProbeContext {
  resolve: (r: ProbeResult) => void;
  startedAt: number;
}

const WORKER_URL = new URL('./probe-worker.js', import.meta.url);

export function createThreadedProber(options: ThreadedProberOptions = {}): Prober {
  const {
    closeTimeoutMs = 2000,
    hangMs = 15_000,
    youngGenerationMb = 32,
    batchMs = 2,
    concurrency = LIMITS['runner.concurrency'].default,
    ...proberOptions
  } = options;
  let worker: Worker | null = null;
  /** When the current worker last sent anything, epoch ms. */
  let lastHeard = 0;
  let watchdog: NodeJS.Timeout | null = null;
  /** When the watchdog last looked, on the monotonic clock. */
  let lastCheck = 0;
  let closed = false;
  /** Per worker: which service objects it has, by id. Replaced when a new worker starts. */
  let serviceIds = new WeakMap<ResolvedService, number>();
  let nextServiceId = 1;
  const signalIds = new WeakMap<AbortSignal, number>();
  let nextSignalId = 1;
  const pending = new Map<number, Pending>();
  let nextSeq = 1;

  let outgoing: ToWorker = {};
  let flushQueued = false;

  // A service object dropped by the runner (after a reload) is forgotten by the worker too.
  const forgetting = new FinalizationRegistry<{ id: number; owner: Worker }>(({ id, owner }) => {
    if (owner === worker) listIn(queue(), 'forget').push(id);
  });

  function queue(): ToWorker {
    if (!flushQueued) {
      flushQueued = true;
      // Starts admitted in the same synchronous run (a dispatch, a batch of finished probes) go together.
      if (batchMs > 0) setTimeout(flush, batchMs);
      else queueMicrotask(flush);
    }
    return outgoing;
  }

  function flush(): void {
    flushQueued = false;
    const m = outgoing;
    outgoing = {};
    worker?.postMessage(m);
  }

  function failAll(reason: string): void {
    const t = Date.now();
    for (const [seq, p] of pending) {
      pending.delete(seq);
      p.resolve(workerFailure(p, t, reason));
    }
  }

  function spawn(): Worker {
    const w = new Worker(WORKER_URL, {
      workerData: { options: proberOptions, batchMs, concurrency } satisfies ProbeWorkerData,
      ...(youngGenerationMb > 0 ? { resourceLimits: { maxYoungGenerationSizeMb: youngGenerationMb } } : {}),
    });
    w.on('message', (m: FromWorker) => {
      lastHeard = Date.now();
      const cells = m.results;
      if (cells === undefined) return;
      for (let i = 0; i < cells.length; i += RESULT_STRIDE) {
        const seq = cells[i] as number;
        const p = pending.get(seq);
        if (p === undefined) continue;
        pending.delete(seq);
        p.resolve(decodeResult(cells, i, p));
      }
      if (pending.size === 0) w.unref();
    });
    const gone = (why: string) => {
      if (worker !== w) return;
      worker = null;
      serviceIds = new WeakMap();
      outgoing = {};
      failAll(why);
    };
    w.on('error', (e: unknown) => gone(`probe worker failed: ${toError(e).message}`));
    w.on('exit', (code) => gone(`probe worker exited (code ${code})`));
    serviceIds = new WeakMap();
    outgoing = {};
    lastHeard = Date.now();
    if (watchdog === null) {
      watchdog = setInterval(() => checkHung(), Math.min(1000, hangMs / 2));
      watchdog.unref();
    }
    return w;
  }

  function checkHung(): void {
    const w = worker;
    const mono = performance.now();
    const checkedLate = lastCheck > 0 && mono - lastCheck > Math.min(1000, hangMs / 2) + 2000;
    lastCheck = mono;
    // The whole process was frozen (SIGSTOP, a paused VM): the worker was as silent as this timer,
    // and its answers are queued behind it. Give it a fresh period rather than take it for stuck.
    if (checkedLate) lastHeard = Date.now();
    if (w === null || pending.size === 0 || Date.now() - lastHeard < hangMs) return;
    const why = `probe worker stopped answering for ${Math.round((Date.now() - lastHeard) / 1000)} s; it was restarted`;
    worker = null;
    serviceIds = new WeakMap();
    outgoing = {};
    failAll(why);
    void w.terminate();
  }

  function serviceId(w: Worker, service: ResolvedService, m: ToWorker): number {
    let id = serviceIds.get(service);
    if (id === undefined) {
      id = nextServiceId++;
      serviceIds.set(service, id);
      forgetting.register(service, { id, owner: w });
      listIn(m, 'services').push([id, service]);
    }
    return id;
  }

  function signalId(signal: AbortSignal | undefined): number {
    if (signal === undefined) return 0;
    let id = signalIds.get(signal);
    if (id === undefined) {
      const newId = nextSignalId++;
      id = newId;
      signalIds.set(signal, newId);
      signal.addEventListener('abort', () => listIn(queue(), 'abort').push(newId), { once: true });
    }
    return id;
  }

  function probe(service: ResolvedService, opts: ProbeOptions): Promise<ProbeResult> {
    return new Promise<ProbeResult>((resolve) => {
      const ctx: Pending = {
        service,
        scheduledAt: opts.scheduledAt,
        agent: opts.agent,
        resolve,
        startedAt: Date.now(),
      };
      if (closed) {
        resolve(workerFailure(ctx, ctx.startedAt, 'the prober is closed'));
        return;
      }
      if (worker === null) worker = spawn();
      if (pending.size === 0) worker.ref();
      const seq = nextSeq++;
      pending.set(seq, ctx);
      const m = queue();
      const sid = signalId(opts.signal);
      listIn(m, 'starts').push(
        seq,
        serviceId(worker, service, m),
        opts.scheduledAt,
        sid,
        opts.windowEndsAt ?? NO_WINDOW_END,
      );
      if (opts.signal?.aborted) listIn(m, 'abort').push(sid);
    });
  }

  // Started now, not with the first probe: loading undici in a fresh thread takes a few hundred
  // ms, which the first slots of a start paid as start lag (a flaky p99 in the hostile-endpoints
  // fault test). Unreferenced until it has probes, so an idle prober keeps no process alive.
  worker = spawn();
  worker.unref();

  return {
    probe,
    async close() {
      if (closed) return;
      closed = true;
      if (watchdog !== null) clearInterval(watchdog);
      const w = worker;
      if (w === null) return;
      flush();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => void w.terminate().then(() => resolve()), closeTimeoutMs);
        w.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        w.postMessage({ close: true } satisfies ToWorker);
      });
    },
  };
}

type ListKey = 'services' | 'forget' | 'starts' | 'abort';

/** The message's list under `key`, created empty when missing. */
function listIn<K extends ListKey>(m: ToWorker, key: K): NonNullable<ToWorker[K]> {
  let list = m[key];
  if (list === undefined) {
    list = [] as unknown as NonNullable<ToWorker[K]>;
    m[key] = list;
  }
  return list as NonNullable<ToWorker[K]>;
}

function workerFailure(p: Pending, t: number, reason: string): ProbeResult {
  return resultWithoutResponse(p.service, p.scheduledAt, p.agent, t, p.startedAt, 'other', reason);
}
