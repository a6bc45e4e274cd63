import type { ResolvedService } from '../config/resolve.js';
import { toError } from '../errors.js';
import type { Prober } from '../probe/types.js';
import type { ProbePayload } from '../queue/types.js';
import type { ProbeResult } from '../results/types.js';
import { ClaimAhead } from './claim-ahead.js';
import { LagHistogram } from './lag-histogram.js';
import { MAX_WINDOW_MS } from './phase.js';
import type { ResultWriter } from './result-writer.js';
import { internalError, type ProbeJob, type RunnerContext, refOf } from './runner-context.js';
import { ServiceWait } from './service-wait.js';

/**
 * The runner's probe jobs. They are claimed a little ahead of their start time and kept in a
 * heap; one timer hands each to the prober at its runAt, one in flight per service. The prober
 * applies the concurrency caps (global and per origin) where requests finish, and answers
 * `missed` for a probe they held past its window (see Prober). A slot that cannot start before
 * its window ends is written as a `missed` result, never run late in a burst.
 *
 * The claiming and the timer are in claim-ahead.ts, the one-per-service hold in service-wait.ts.
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

const SWEEP_EVERY_MS = 100;
const LATE_WHEN_DUE = 'it was already over when the slot came due';
const SERVICE_BUSY = 'the previous probe of this service was still running';
const FROZEN = 'the monitor was not running at its time (frozen, suspended or stalled)';

/** Lease of a claimed probe job, for these services. */
function probeLeaseMs(services: readonly ResolvedService[], claimLeadMs: number): number {
  let span = 0;
  for (const s of services) {
    const window = s.cron === null ? Math.min(s.intervalMs, MAX_WINDOW_MS) : MAX_WINDOW_MS;
    span = Math.max(span, window + s.timeoutMs);
  }
  // A claimed probe may wait up to its window, then run up to its timeout: the lease covers both.
  return claimLeadMs + span + 10_000;
}

/** A job of a service removed by a reload since it was enqueued: the slot no longer exists. */
function drop(ctx: RunnerContext, writer: ResultWriter, job: ProbeJob): void {
  ctx.counters.dropped++;
  writer.complete(refOf(job));
  writer.scheduleFlush();
}

/** A job whose window had ended when it came due: written as missed (saying why), or stale. */
function writeOffLate(
  ctx: RunnerContext,
  writer: ResultWriter,
  job: ProbeJob,
  service: ResolvedService,
  lateCause: string,
): void {
  const { counters } = ctx;
  if (job.payload.windowEndsAt <= ctx.startedAt) {
    if (counters.stale++ === 0) {
      ctx.logger.info(
        'skipping probe slots queued before this start whose window has passed (counted as stale= in the status line and the Stopped. line)',
      );
    }
    writer.complete(refOf(job));
    writer.scheduleFlush();
  } else {
    if (lateCause !== SERVICE_BUSY) counters.missedForCapacity++;
    writer.missed(job, service, lateCause);
  }
}

/** At stop: each job goes back to the queue, or is written as missed when its window has passed at `t`. */
function giveBack(
  writer: ResultWriter,
  services: ReadonlyMap<string, ResolvedService>,
  jobs: readonly ProbeJob[],
  t: number,
  lateCause: string,
): void {
  for (const job of jobs) {
    const service = services.get(job.payload.serviceKey);
    if (service !== undefined && t >= job.payload.windowEndsAt) writer.missed(job, service, lateCause);
    else writer.release(refOf(job));
  }
}

/** The prober's answer for the job, a rejection if it threw. */
function askProber(
  ctx: RunnerContext,
  prober: Prober,
  job: ProbeJob,
  service: ResolvedService,
): Promise<ProbeResult> {
  try {
    return prober.probe(service, {
      scheduledAt: job.payload.scheduledAt,
      windowEndsAt: job.payload.windowEndsAt,
      agent: ctx.agent,
      signal: ctx.abort.signal,
    });
  } catch (e: unknown) {
    // The contract says probe() never throws; if it does, the slot still gets its one result.
    return Promise.reject(e);
  }
}

export function createProbeLane(
  ctx: RunnerContext,
  writer: ResultWriter,
  options: ProbeLaneOptions,
): ProbeLane {
  const { counters, now } = ctx;
  const { prober, claimLeadMs } = options;
  const services = new Map<string, ResolvedService>();
  let leaseMs = 0;

  const claimAhead = new ClaimAhead(ctx, writer, options, (job, t) => admit(job, t));
  const wait = new ServiceWait();
  let inFlight = 0;
  const lag = new LagHistogram();

  let lastSweep = 0;
  /** Slots scheduled in [frozenFrom, frozenUntil) were due while the process was not running. */
  let frozenFrom = 0;
  let frozenUntil = 0;

  function setServices(list: readonly ResolvedService[]): void {
    services.clear();
    for (const s of list) services.set(s.key, s);
    leaseMs = probeLeaseMs(list, claimLeadMs);
  }

  /** A job whose runAt has come: start it, hold it back, or write it off (saying why it was late). */
  function admit(job: ProbeJob, t: number, lateCause: string = LATE_WHEN_DUE): void {
    const payload: ProbePayload = job.payload;
    const service = services.get(payload.serviceKey);
    if (service === undefined) {
      drop(ctx, writer, job);
      return;
    }
    if (payload.scheduledAt < frozenUntil && payload.scheduledAt >= frozenFrom) {
      // Its time passed while the process was stopped: recorded as missed, not run late in a burst.
      writer.missed(job, service, FROZEN);
      return;
    }
    if (t >= payload.windowEndsAt) {
      writeOffLate(ctx, writer, job, service, lateCause);
      return;
    }
    if (wait.isBusy(service.key)) wait.hold(service.key, job);
    else startProbe(job, service, t);
  }

  function startProbe(job: ProbeJob, service: ResolvedService, t: number): void {
    inFlight++;
    wait.started(service.key);
    counters.executed++;
    lag.record(t - job.payload.scheduledAt);
    askProber(ctx, prober, job, service)
      .then(
        (result) => probeDone(job, service, result),
        (e: unknown) => probeDone(job, service, writer.failedProbe(job, service, t, toError(e))),
      )
      .catch((e: unknown) => internalError(ctx, e));
  }

  function probeDone(job: ProbeJob, service: ResolvedService, result: ProbeResult): void {
    inFlight--;
    wait.ended(service.key);
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
    const next = wait.next(service.key);
    if (next !== undefined) admit(next, t, SERVICE_BUSY);
  }

  return {
    setServices,
    get leaseMs() {
      return leaseMs;
    },
    claim(t) {
      claimAhead.claim(t, leaseMs);
    },
    catchUp(t) {
      if (wait.waiting === 0 || t - lastSweep < SWEEP_EVERY_MS) return;
      // Write off held-back jobs whose window has ended, so a missed slot is reported promptly.
      lastSweep = t;
      for (const job of wait.takeExpired(t)) {
        const service = services.get(job.payload.serviceKey);
        if (service === undefined) drop(ctx, writer, job);
        else writer.missed(job, service, SERVICE_BUSY);
      }
    },
    frozen(from, to) {
      frozenFrom = from;
      frozenUntil = to;
    },
    stop() {
      // Unstarted jobs go back to the queue, or are written off when their window has passed.
      const t = now();
      giveBack(writer, services, claimAhead.stop(), t, LATE_WHEN_DUE);
      giveBack(writer, services, wait.drain(), t, SERVICE_BUSY);
    },
    get inFlight() {
      return inFlight;
    },
    get waiting() {
      return wait.waiting;
    },
    lag,
  };
}
