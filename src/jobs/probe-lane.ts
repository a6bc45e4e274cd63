import type { ResolvedService } from '../config/resolve.js';
import { toError } from '../errors.js';
import type { Prober } from '../probe/types.js';
import type { ClaimedJob } from '../queue/store.js';
import type { JobKind, ProbePayload } from '../queue/types.js';
import type { ProbeResult } from '../results/types.js';
import { MinHeap } from '../util/queues.js';
import { LagHistogram } from './lag-histogram.js';
import { MAX_WINDOW_MS } from './phase.js';
import type { ResultWriter } from './result-writer.js';
import { internalError, type ProbeJob, type RunnerContext, refOf } from './runner-context.js';

/**
 * The runner's probe jobs. They are claimed a little ahead of their start time and kept in a
 * heap; one timer hands each to the prober at its runAt, one in flight per service. The prober
 * applies the concurrency caps (global and per origin) where requests finish, and answers
 * `missed` for a probe they held past its window (see Prober). A slot that cannot start before
 * its window ends is written as a `missed` result, never run late in a burst.
 */

export interface ProbeLaneOptions {
  /** Applies the concurrency caps (see Prober). */
  prober: Prober;
  /** RunnerOptions.claimLeadMs. */
  claimLeadMs: number;
  /** RunnerOptions.claimBatch. */
  claimBatch: number;
}

export interface ProbeLane {
  /** Services used for jobs claimed from now on. */
  setServices(list: readonly ResolvedService[]): void;
  /** Lease of a claimed probe job, ms (it depends on the services). */
  readonly leaseMs: number;
  /** Claims the probe jobs due within the claim lead and arms the dispatch timer. */
  claim(t: number): void;
  /** Writes off held-back jobs whose window has ended. */
  catchUp(t: number): void;
  /** Slots scheduled in [from, to) were due while the process did not run: they are missed. */
  frozen(from: number, to: number): void;
  /** Stop starting probes; unstarted jobs go back to the queue, or are written off when late. */
  stop(): void;
  readonly inFlight: number;
  /** Due jobs held back by their service's previous probe. */
  readonly waiting: number;
  /** Start lag of the probes started, from their scheduled time. */
  readonly lag: LagHistogram;
}

const PROBE_KINDS: readonly JobKind[] = ['probe'];
const SWEEP_EVERY_MS = 100;
const LATE_WHEN_DUE = 'it was already over when the slot came due';
const SERVICE_BUSY = 'the previous probe of this service was still running';
const FROZEN = 'the monitor was not running at its time (frozen, suspended or stalled)';

export function createProbeLane(
  ctx: RunnerContext,
  writer: ResultWriter,
  options: ProbeLaneOptions,
): ProbeLane {
  const { store, logger, counters, agent, now } = ctx;
  const { prober, claimLeadMs, claimBatch } = options;
  const services = new Map<string, ResolvedService>();
  let leaseMs = 0;

  const heap = new MinHeap<ProbeJob>((job) => job.runAt);
  /** Due jobs whose service still has a probe in flight. */
  const serviceWait = new Map<string, ProbeJob[]>();
  const busyServices = new Set<string>();
  let inFlight = 0;
  let waiting = 0;
  const lag = new LagHistogram();

  let dispatchTimer: NodeJS.Timeout | null = null;
  let dispatchAt = Number.POSITIVE_INFINITY;
  let lastSweep = 0;
  /** Slots scheduled in [frozenFrom, frozenUntil) were due while the process was not running. */
  let frozenFrom = 0;
  let frozenUntil = 0;

  function setServices(list: readonly ResolvedService[]): void {
    services.clear();
    let span = 0;
    for (const s of list) {
      services.set(s.key, s);
      const window = s.cron === null ? Math.min(s.intervalMs, MAX_WINDOW_MS) : MAX_WINDOW_MS;
      span = Math.max(span, window + s.timeoutMs);
    }
    // A claimed probe may wait up to its window, then run up to its timeout: the lease covers both.
    leaseMs = claimLeadMs + span + 10_000;
  }

  /** A job whose runAt has come: start it, hold it back, or write it off (saying why it was late). */
  function admit(job: ProbeJob, t: number, lateCause: string = LATE_WHEN_DUE): void {
    const payload: ProbePayload = job.payload;
    const service = services.get(payload.serviceKey);
    if (service === undefined) {
      drop(job);
      return;
    }
    if (payload.scheduledAt < frozenUntil && payload.scheduledAt >= frozenFrom) {
      // Its time passed while the process was stopped: recorded as missed, not run late in a burst.
      writer.missed(job, service, FROZEN);
      return;
    }
    if (t >= payload.windowEndsAt) {
      if (payload.windowEndsAt <= ctx.startedAt) {
        if (counters.stale++ === 0) {
          logger.info(
            'skipping probe slots queued before this start whose window has passed (counted as stale= in the status line and the Stopped. line)',
          );
        }
        writer.complete(refOf(job));
        writer.scheduleFlush();
      } else {
        if (lateCause !== SERVICE_BUSY) counters.missedForCapacity++;
        writer.missed(job, service, lateCause);
      }
      return;
    }
    if (busyServices.has(service.key)) {
      const list = serviceWait.get(service.key);
      if (list === undefined) serviceWait.set(service.key, [job]);
      else list.push(job);
      waiting++;
      return;
    }
    startProbe(job, service, t);
  }

  function startProbe(job: ProbeJob, service: ResolvedService, t: number): void {
    inFlight++;
    busyServices.add(service.key);
    counters.executed++;
    lag.record(t - job.payload.scheduledAt);
    let pending: Promise<ProbeResult>;
    try {
      pending = prober.probe(service, {
        scheduledAt: job.payload.scheduledAt,
        windowEndsAt: job.payload.windowEndsAt,
        agent,
        signal: ctx.abort.signal,
      });
    } catch (e: unknown) {
      // The contract says probe() never throws; if it does, the slot still gets its one result.
      pending = Promise.reject(e);
    }
    pending
      .then(
        (result) => probeDone(job, service, result),
        (e: unknown) => probeDone(job, service, writer.failedProbe(job, service, t, toError(e))),
      )
      .catch((e: unknown) => internalError(ctx, e));
  }

  function probeDone(job: ProbeJob, service: ResolvedService, result: ProbeResult): void {
    inFlight--;
    busyServices.delete(service.key);
    if (result.errorClass === 'missed') {
      // The prober's own caps held it past its window: it never started.
      counters.executed--;
      counters.missed++;
      counters.missedForCapacity++;
    }
    writer.addResult(job, result);
    if (ctx.stopping) {
      ctx.settled();
      return;
    }
    const t = now();
    const list = serviceWait.get(service.key);
    if (list !== undefined) {
      const next = list.shift();
      if (list.length === 0) serviceWait.delete(service.key);
      if (next !== undefined) {
        waiting--;
        admit(next, t, SERVICE_BUSY);
      }
    }
  }

  /** Write off held-back jobs whose window has ended, so a missed slot is reported promptly. */
  function sweep(t: number): void {
    lastSweep = t;
    const expired = (job: ProbeJob) => t >= job.payload.windowEndsAt;
    for (const [key, list] of serviceWait) {
      const keep = list.filter((j) => !expired(j));
      if (keep.length === list.length) continue;
      for (const j of list) if (expired(j)) writeOff(j);
      if (keep.length === 0) serviceWait.delete(key);
      else serviceWait.set(key, keep);
    }
  }

  function writeOff(job: ProbeJob): void {
    waiting--;
    const service = services.get(job.payload.serviceKey);
    if (service === undefined) drop(job);
    else writer.missed(job, service, SERVICE_BUSY);
  }

  /** A job of a service removed by a reload since it was enqueued: the slot no longer exists. */
  function drop(job: ProbeJob): void {
    counters.dropped++;
    writer.complete(refOf(job));
    writer.scheduleFlush();
  }

  function dispatch(): void {
    dispatchTimer = null;
    dispatchAt = Number.POSITIVE_INFINITY;
    if (ctx.stopping) return;
    const t = now();
    try {
      for (let top = heap.peek(); top !== undefined && top.runAt <= t; top = heap.peek()) {
        heap.pop();
        admit(top, t);
      }
    } catch (e: unknown) {
      internalError(ctx, e);
    }
    armDispatch();
  }

  function armDispatch(): void {
    const top = heap.peek();
    if (top === undefined || top.runAt >= dispatchAt) return;
    if (dispatchTimer !== null) clearTimeout(dispatchTimer);
    dispatchAt = top.runAt;
    dispatchTimer = setTimeout(dispatch, Math.max(0, top.runAt - now()));
  }

  function claim(t: number): void {
    // A few batches per poll at most, so a large backlog does not hold the event loop.
    for (let round = 0; round < 4; round++) {
      let jobs: ClaimedJob[];
      try {
        jobs = store.claim({
          kinds: PROBE_KINDS,
          limit: claimBatch,
          now: t,
          runAtBefore: t + claimLeadMs,
          leaseMs,
        });
      } catch (e: unknown) {
        writer.storeError('claiming probe jobs', e);
        return;
      }
      counters.claimed += jobs.length;
      for (const job of jobs) heap.push(job as ProbeJob);
      if (jobs.length < claimBatch) break;
    }
    armDispatch();
  }

  /** Unstarted jobs go back to the queue, or are written off when their window has passed. */
  function giveBackUnstarted(): void {
    const t = now();
    const settle = (jobs: Iterable<ProbeJob>, lateCause: string) => {
      for (const job of jobs) {
        const service = services.get(job.payload.serviceKey);
        if (service !== undefined && t >= job.payload.windowEndsAt) writer.missed(job, service, lateCause);
        else writer.release(refOf(job));
      }
    };
    settle(heap.drain(), LATE_WHEN_DUE);
    for (const list of serviceWait.values()) settle(list, SERVICE_BUSY);
    serviceWait.clear();
    waiting = 0;
  }

  return {
    setServices,
    get leaseMs() {
      return leaseMs;
    },
    claim,
    catchUp(t) {
      if (waiting > 0 && t - lastSweep >= SWEEP_EVERY_MS) sweep(t);
    },
    frozen(from, to) {
      frozenFrom = from;
      frozenUntil = to;
    },
    stop() {
      if (dispatchTimer !== null) clearTimeout(dispatchTimer);
      dispatchTimer = null;
      giveBackUnstarted();
    },
    get inFlight() {
      return inFlight;
    },
    get waiting() {
      return waiting;
    },
    lag,
  };
}
