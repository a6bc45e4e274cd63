import { setMaxListeners } from 'node:events';
import { type IntervalHistogram, monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { ResolvedService } from '../config/resolve.js';
import { AbortedError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { Prober } from '../probe/types.js';
import type { JobStore } from '../queue/store.js';
import type { RetryDelayOptions } from '../util/backoff.js';
import { createHandlerLane, type HandlerKind, type JobHandler } from './handler-lane.js';
import { IdleWaiters } from './idle-waiters.js';
import { createNotifyLane, type NotifyCounters, type NotifyLaneOptions } from './notify-lane.js';
import { OverloadMeter } from './overload.js';
import { createProbeLane, type ProbeLane } from './probe-lane.js';
import { createResultWriter, type ResultWriter } from './result-writer.js';
import { createCounters, internalError, type RunnerContext, type RunnerCounters } from './runner-context.js';

export type { HandlerKind, HandlerOutcome, JobHandler } from './handler-lane.js';

/**
 * Drains the jobs table. A short polling loop claims probe jobs a little ahead of their start
 * time and keeps them in a heap; one timer starts each at its runAt, one in flight per service,
 * and the prober applies the concurrency caps (global and per origin). A slot that cannot start
 * before its window ends is written as a `missed` result, never run late in a burst. Results are written in
 * batches that also complete their jobs. `export` and `collect` jobs go to injected handlers,
 * one run at a time per kind, with retries and backoff.
 *
 * This file holds the poll loop, the two-phase stop and the stats; the roles it wires together
 * live beside it: probe-lane.ts (probe jobs), handler-lane.ts (export and collect jobs) and
 * result-writer.ts (the batched writes), sharing a RunnerContext (runner-context.ts).
 */

export interface RunnerOptions {
  store: JobStore;
  /**
   * Applies the concurrency caps, global and per origin (createGatedProber or
   * createThreadedProber): the runner hands it every due probe at once, one per service.
   */
  prober: Prober;
  /** Agent name written on every result. */
  agent: string;
  services: readonly ResolvedService[];
  logger: Logger;
  handlers?: Partial<Record<HandlerKind, JobHandler>>;
  /** Delivers `notify` jobs; without it they stay queued. Default none. */
  notify?: NotifyLaneOptions;
  /**
   * Claim loop period. Default 100 ms: each claim has a fixed cost in SQLite (it scans the running
   * jobs), so claiming 4× less often for 4× more rows cut claim time 5× at 2,000 probes/s.
   */
  pollMs?: number;
  /**
   * Probe jobs are claimed this long before their runAt, so the timer, not the poll, starts them.
   * Must exceed pollMs. Default 300 ms.
   */
  claimLeadMs?: number;
  /** Most jobs per claim statement. Default 1000. */
  claimBatch?: number;
  /**
   * Results are written when this many are waiting. Default 500: each write is one transaction,
   * and a commit rewrites the hot pages (tree edges, the completed jobs' pages) into the WAL
   * whatever the batch size, so fewer, larger writes cost less per result.
   */
  flushRows?: number;
  /** …or when the oldest has waited this long. Default 100 ms (the exporter looks once a second). */
  flushMs?: number;
  /** Results kept in memory while the local database refuses writes; the oldest go first. Default 100,000. */
  maxBufferedResults?: number;
  /** Lease of export/collect jobs; long enough for a handler run. Default 120,000 ms. */
  handlerLeaseMs?: number;
  /** Backoff of failed export/collect jobs. Defaults: see util/backoff.ts. */
  retry?: RetryDelayOptions;
  /** Clock, epoch ms. Default Date.now. Timers are real either way. */
  now?: () => number;
}

export interface RunnerStats extends RunnerCounters, NotifyCounters {
  /** Results waiting to be written (a batch in the making, or a backlog the database refused). */
  bufferedResults: number;
  inFlight: number;
  /** Due probe jobs waiting for their service's previous probe (those waiting for the prober's caps are inFlight). */
  waiting: number;
  startLagP50Ms: number;
  startLagP99Ms: number;
  startLagMaxMs: number;
  eventLoopDelayP99Ms: number;
  eventLoopDelayMaxMs: number;
  /** Due ÷ started over the last 10 s while more is due than the monitor can start in time, else null. */
  overload: number | null;
}

export interface Runner {
  start(): void;
  /** Services used for jobs claimed from now on; jobs of removed services complete without a result. */
  setServices(services: readonly ResolvedService[]): void;
  /**
   * Two-phase stop: stop claiming and give back unstarted leases, let in-flight work finish for
   * up to `graceMs` (default 10,000), then abort it, write what is buffered and return.
   */
  stop(graceMs?: number): Promise<void>;
  stats(): RunnerStats;
  /** The start-lag histogram at these bounds (ms, ascending); see LagHistogram.cumulative. */
  startLagBuckets(boundsMs: readonly number[]): { cumulative: number[]; count: number; sumMs: number };
  /** Forget the start-lag and event-loop samples (e.g. after a warm-up). */
  resetLatencyStats(): void;
}

/** After the abort, how long stop() still waits for probes and handlers to settle. */
const ABORT_SETTLE_MS = 2000;
/**
 * A poll that comes this much later than it should means the process did not run (SIGSTOP, a VM
 * paused, a machine suspended, a stall): the slots due meanwhile were not probed at their time.
 */
const FROZEN_AFTER_MS = 2000;

/**
 * The process did not run from `from` to `to` (epoch ms). Its own jobs' leases may have expired
 * meanwhile: renew them before the next claim would bury them as abandoned (their probes are
 * still in flight here and will write their rows), and mark the slots due in the gap as missed.
 */
function resumeAfterFreeze(
  ctx: RunnerContext,
  probes: ProbeLane,
  writer: ResultWriter,
  handlerLeaseMs: number,
  from: number,
  to: number,
): void {
  probes.frozen(from, to);
  let renewed = 0;
  try {
    renewed = ctx.store.renewOwn(ctx.startedAt, to + Math.max(probes.leaseMs, handlerLeaseMs));
  } catch (e: unknown) {
    writer.storeError('renewing leases after a freeze', e);
  }
  ctx.logger.warn(
    { frozenMs: to - from, renewedLeases: renewed },
    `the monitor did not run for ${((to - from) / 1000).toFixed(1)} s (stopped, suspended or stalled): slots due meanwhile are recorded as missed`,
  );
}

function statsOf(
  counters: RunnerCounters & NotifyCounters,
  probes: ProbeLane,
  writer: ResultWriter,
  loopDelay: IntervalHistogram,
  overload: OverloadMeter,
): RunnerStats {
  const { lag } = probes;
  return {
    ...counters,
    inFlight: probes.inFlight,
    waiting: probes.waiting,
    bufferedResults: writer.buffered,
    startLagP50Ms: lag.percentile(0.5),
    startLagP99Ms: lag.percentile(0.99),
    startLagMaxMs: lag.max,
    eventLoopDelayP99Ms: loopDelay.count > 0 ? loopDelay.percentile(99) / 1e6 : 0,
    eventLoopDelayMaxMs: loopDelay.count > 0 ? loopDelay.max / 1e6 : 0,
    overload: overload.ratio,
  };
}

export function createRunner(options: RunnerOptions): Runner {
  const { store, prober, logger } = options;
  const pollMs = options.pollMs ?? 100;
  const handlerLeaseMs = options.handlerLeaseMs ?? 120_000;

  const ctx: RunnerContext = {
    store,
    logger,
    agent: options.agent,
    now: options.now ?? Date.now,
    counters: createCounters(),
    abort: new AbortController(),
    startedAt: Number.POSITIVE_INFINITY,
    stopping: false,
    settled: () => idle.check(),
  };
  const { counters, now } = ctx;
  // Every in-flight probe listens on it: hundreds of listeners are expected, not a leak.
  setMaxListeners(0, ctx.abort.signal);
  const writer = createResultWriter(ctx, {
    flushRows: options.flushRows ?? 500,
    flushMs: options.flushMs ?? 100,
    maxBufferedResults: options.maxBufferedResults ?? 100_000,
  });
  // The prober gets every due probe at once and applies the caps where requests finish: caps
  // held here would also count the hand-over back to this thread (in the threaded prober's case).
  // It is bounded all the same, by one probe in flight per service.
  const probes = createProbeLane(ctx, writer, {
    prober,
    claimLeadMs: options.claimLeadMs ?? 300,
    claimBatch: options.claimBatch ?? 1000,
  });
  const handlers = createHandlerLane(ctx, writer, {
    handlers: options.handlers ?? {},
    leaseMs: handlerLeaseMs,
    retry: options.retry,
  });
  const notify = options.notify ? createNotifyLane(ctx, writer, options.notify) : null;
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  const overload = new OverloadMeter(logger);
  const idle = new IdleWaiters(() => probes.inFlight > 0 || handlers.running || (notify?.running ?? 0) > 0);

  let started = false;
  let pollTimer: NodeJS.Timeout | null = null;
  /** The last poll, on the monotonic clock (a frozen process is seen as a gap in it). */
  let lastPollMono = 0;
  let lastPollAt = 0;

  function poll(): void {
    pollTimer = null;
    if (ctx.stopping) return;
    const t = now();
    const mono = performance.now();
    if (lastPollMono > 0 && mono - lastPollMono > pollMs + FROZEN_AFTER_MS) {
      resumeAfterFreeze(ctx, probes, writer, handlerLeaseMs, lastPollAt, t);
    }
    lastPollMono = mono;
    lastPollAt = t;
    overload.update(t, counters.executed, counters.missedForCapacity);
    try {
      probes.claim(t);
      handlers.claim(t);
      notify?.claim(t);
      probes.catchUp(t);
    } catch (e: unknown) {
      internalError(ctx, e);
    }
    pollTimer = setTimeout(poll, pollMs);
  }

  probes.setServices(options.services);

  return {
    start() {
      if (started) return;
      started = true;
      ctx.startedAt = now();
      loopDelay.enable();
      poll();
    },
    setServices(services) {
      probes.setServices(services);
    },
    async stop(graceMs = 10_000) {
      if (ctx.stopping) return;
      ctx.stopping = true;
      if (pollTimer !== null) clearTimeout(pollTimer);
      pollTimer = null;
      probes.stop();
      writer.flush();
      if (!(await idle.wait(graceMs))) {
        logger.warn({ inFlight: probes.inFlight }, 'shutdown grace over: aborting in-flight work');
        ctx.abort.abort(new AbortedError());
        await idle.wait(ABORT_SETTLE_MS);
      }
      // Handlers that ignored the abort: their jobs will be claimed again by the next start.
      handlers.releaseRunning();
      notify?.releaseRunning();
      writer.flush();
      loopDelay.disable();
    },
    stats() {
      const n = notify?.counters ?? { notifyAccepted: 0, notifyRetries: 0, notifyFailed: 0 };
      return statsOf({ ...counters, ...n }, probes, writer, loopDelay, overload);
    },
    startLagBuckets(boundsMs) {
      return probes.lag.cumulative(boundsMs);
    },
    resetLatencyStats() {
      probes.lag.reset();
      loopDelay.reset();
    },
  };
}
