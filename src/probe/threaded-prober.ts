import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { LIMITS } from '../config/limits.js';
import type { ResolvedService } from '../config/resolve.js';
import { toError } from '../errors.js';
import type { ProbeResult } from '../results/types.js';
import { resultWithoutResponse } from '../results/without-response.js';
import type { ProberOptions } from './prober.js';
import type { ProbeOptions, Prober } from './types.js';
import { listIn, WorkerOutbox } from './worker-outbox.js';
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
  const prober = new ThreadedProber(options);
  // A plain object of closures, as the contract always was: its methods may be passed around unbound.
  return {
    probe: (service, opts) => prober.probe(service, opts),
    close: () => prober.close(),
  };
}

/** One probe worker at a time: its pending probes, the ids it knows, its watchdog. */
class ThreadedProber {
  private readonly closeTimeoutMs: number;
  private readonly hangMs: number;
  private readonly youngGenerationMb: number;
  private readonly workerData: ProbeWorkerData;
  private readonly outbox: WorkerOutbox;
  private worker: Worker | null = null;
  /** When the current worker last sent anything, epoch ms. */
  private lastHeard = 0;
  private watchdog: NodeJS.Timeout | null = null;
  /** When the watchdog last looked, on the monotonic clock. */
  private lastCheck = 0;
  private closed = false;
  /** Per worker: which service objects it has, by id. Replaced when a new worker starts. */
  private serviceIds = new WeakMap<ResolvedService, number>();
  private nextServiceId = 1;
  private readonly signalIds = new WeakMap<AbortSignal, number>();
  private nextSignalId = 1;
  private readonly pending = new Map<number, Pending>();
  private nextSeq = 1;

  // A service object dropped by the runner (after a reload) is forgotten by the worker too.
  private readonly forgetting = new FinalizationRegistry<{ id: number; owner: Worker }>(({ id, owner }) => {
    if (owner === this.worker) listIn(this.outbox.message(), 'forget').push(id);
  });

  constructor(options: ThreadedProberOptions) {
    const {
      closeTimeoutMs = 2000,
      hangMs = 15_000,
      youngGenerationMb = 32,
      batchMs = 2,
      concurrency = LIMITS['runner.concurrency'].default,
      ...proberOptions
    } = options;
    this.closeTimeoutMs = closeTimeoutMs;
    this.hangMs = hangMs;
    this.youngGenerationMb = youngGenerationMb;
    this.workerData = { options: proberOptions, batchMs, concurrency };
    this.outbox = new WorkerOutbox(batchMs, (m) => this.worker?.postMessage(m));
    // Started now, not with the first probe: loading undici in a fresh thread takes a few hundred
    // ms, which the first slots of a start paid as start lag (a flaky p99 in the hostile-endpoints
    // fault test). Unreferenced until it has probes, so an idle prober keeps no process alive.
    this.worker = this.spawn();
    this.worker.unref();
  }

  probe(service: ResolvedService, opts: ProbeOptions): Promise<ProbeResult> {
    return new Promise<ProbeResult>((resolve) => {
      const ctx: Pending = {
        service,
        scheduledAt: opts.scheduledAt,
        agent: opts.agent,
        resolve,
        startedAt: Date.now(),
      };
      if (this.closed) {
        resolve(workerFailure(ctx, ctx.startedAt, 'the prober is closed'));
        return;
      }
      if (this.worker === null) this.worker = this.spawn();
      const worker = this.worker;
      if (this.pending.size === 0) worker.ref();
      const seq = this.nextSeq++;
      this.pending.set(seq, ctx);
      const m = this.outbox.message();
      const sid = this.signalId(opts.signal);
      listIn(m, 'starts').push(
        seq,
        this.serviceId(worker, service, m),
        opts.scheduledAt,
        sid,
        opts.windowEndsAt ?? NO_WINDOW_END,
      );
      if (opts.signal?.aborted) listIn(m, 'abort').push(sid);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.watchdog !== null) clearInterval(this.watchdog);
    const w = this.worker;
    if (w === null) return;
    this.outbox.flush();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => void w.terminate().then(() => resolve()), this.closeTimeoutMs);
      w.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      w.postMessage({ close: true } satisfies ToWorker);
    });
  }

  private spawn(): Worker {
    const youngGenerationMb = this.youngGenerationMb;
    const w = new Worker(WORKER_URL, {
      workerData: this.workerData,
      ...(youngGenerationMb > 0 ? { resourceLimits: { maxYoungGenerationSizeMb: youngGenerationMb } } : {}),
    });
    w.on('message', (m: FromWorker) => this.received(w, m));
    const gone = (why: string) => {
      if (this.worker === w) this.lose(why);
    };
    w.on('error', (e: unknown) => gone(`probe worker failed: ${toError(e).message}`));
    w.on('exit', (code) => gone(`probe worker exited (code ${code})`));
    this.serviceIds = new WeakMap();
    this.outbox.discard();
    this.lastHeard = Date.now();
    if (this.watchdog === null) {
      this.watchdog = setInterval(() => this.checkHung(), Math.min(1000, this.hangMs / 2));
      this.watchdog.unref();
    }
    return w;
  }

  private received(w: Worker, m: FromWorker): void {
    this.lastHeard = Date.now();
    const cells = m.results;
    if (cells === undefined) return;
    for (let i = 0; i < cells.length; i += RESULT_STRIDE) {
      const seq = cells[i] as number;
      const p = this.pending.get(seq);
      if (p === undefined) continue;
      this.pending.delete(seq);
      p.resolve(decodeResult(cells, i, p));
    }
    if (this.pending.size === 0) w.unref();
  }

  /** The current worker is gone (or given up on): its probes fail, the next probe starts a fresh one. */
  private lose(why: string): void {
    this.worker = null;
    this.serviceIds = new WeakMap();
    this.outbox.discard();
    const t = Date.now();
    for (const [seq, p] of this.pending) {
      this.pending.delete(seq);
      p.resolve(workerFailure(p, t, why));
    }
  }

  private checkHung(): void {
    const w = this.worker;
    const mono = performance.now();
    const checkedLate = this.lastCheck > 0 && mono - this.lastCheck > Math.min(1000, this.hangMs / 2) + 2000;
    this.lastCheck = mono;
    // The whole process was frozen (SIGSTOP, a paused VM): the worker was as silent as this timer,
    // and its answers are queued behind it. Give it a fresh period rather than take it for stuck.
    if (checkedLate) this.lastHeard = Date.now();
    if (w === null || this.pending.size === 0 || Date.now() - this.lastHeard < this.hangMs) return;
    this.lose(
      `probe worker stopped answering for ${Math.round((Date.now() - this.lastHeard) / 1000)} s; it was restarted`,
    );
    void w.terminate();
  }

  private serviceId(w: Worker, service: ResolvedService, m: ToWorker): number {
    let id = this.serviceIds.get(service);
    if (id === undefined) {
      id = this.nextServiceId++;
      this.serviceIds.set(service, id);
      this.forgetting.register(service, { id, owner: w });
      listIn(m, 'services').push([id, service]);
    }
    return id;
  }

  private signalId(signal: AbortSignal | undefined): number {
    if (signal === undefined) return 0;
    let id = this.signalIds.get(signal);
    if (id === undefined) {
      const newId = this.nextSignalId++;
      id = newId;
      this.signalIds.set(signal, newId);
      signal.addEventListener('abort', () => listIn(this.outbox.message(), 'abort').push(newId), {
        once: true,
      });
    }
    return id;
  }
}

function workerFailure(p: Pending, t: number, reason: string): ProbeResult {
  return resultWithoutResponse(p.service, p.scheduledAt, p.agent, t, p.startedAt, 'other', reason);
}
