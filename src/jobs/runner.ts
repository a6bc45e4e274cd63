import { setMaxListeners } from 'node:events';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { LIMITS } from '../config/limits.js';
import type { ResolvedService } from '../config/resolve.js';
import { MonitorError, toError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { Prober } from '../probe/types.js';
import type { ClaimedJob, JobRef, JobStore, RecordedProbe } from '../queue/store.js';
import type { JobKind, ProbePayload } from '../queue/types.js';
import type { ProbeResult } from '../results/types.js';
import { missedResult, resultWithoutResponse } from '../results/without-response.js';
import { type RetryDelayOptions, retryDelayMs } from '../util/backoff.js';
import { Fifo, MinHeap } from '../util/queues.js';
import { LagHistogram } from './lag-histogram.js';
import { OverloadMeter } from './overload.js';
import { MAX_WINDOW_MS } from './phase.js';

/**
 * Drains the jobs table. A short polling loop claims probe jobs a little ahead of their start
 * time and keeps them in a heap; one timer starts each at its runAt, within three caps: global
 * concurrency, per origin, and one in flight per service. A slot that cannot start before its
 * window ends is written as a `missed` result, never run late in a burst. Results are written in
 * batches that also complete their jobs. `export` and `collect` jobs go to injected handlers,
 * one run at a time per kind, with retries and backoff.
 */

export type HandlerKind = Exclude<JobKind, 'probe'>;

export interface HandlerOutcome {
  /** Do not claim this kind again before this time, epoch ms (e.g. the remote asked to wait). */
  pauseUntil?: number | null;
}

/** An export or collect run. Throwing fails the job (retried with backoff up to maxAttempts). */
export type JobHandler = (signal: AbortSignal) => Promise<HandlerOutcome | null> | HandlerOutcome | null;

export interface RunnerOptions {
  store: JobStore;
  prober: Prober;
  /** Agent name written on every result. */
  agent: string;
  services: readonly ResolvedService[];
  logger: Logger;
  handlers?: Partial<Record<HandlerKind, JobHandler>>;
  /** Probes in flight across all services. Default 512 (left to a prober with gatesRequests). */
  concurrency?: number;
  /** Probes in flight per origin. Default 16 (left to a prober with gatesRequests). */
  perOrigin?: number;
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
  /** Backoff of failed export/collect jobs. Defaults: see retry-delay.ts. */
  retry?: RetryDelayOptions;
  /** Clock, epoch ms. Default Date.now. Timers are real either way. */
  now?: () => number;
}

export interface RunnerStats {
  /** Probe jobs claimed. */
  claimed: number;
  /** Probes started. */
  executed: number;
  /** Slots written as `missed`. */
  missed: number;
  /** Jobs of services no longer configured, completed without a result. */
  dropped: number;
  /**
   * Slots whose window had ended before this runner started (left queued by an earlier run that
   * stopped or crashed), completed without a result: like every slot of the downtime, nobody
   * was there to miss them.
   */
  stale: number;
  resultsWritten: number;
  /** Results waiting to be written (a batch in the making, or a backlog the database refused). */
  bufferedResults: number;
  /** Leases given back at shutdown. */
  released: number;
  inFlight: number;
  /** Due probe jobs waiting for a cap or for their service's previous probe. */
  waiting: number;
  handlerRuns: number;
  handlerFailures: number;
  storeErrors: number;
  startLagP50Ms: number;
  startLagP99Ms: number;
  startLagMaxMs: number;
  eventLoopDelayP99Ms: number;
  eventLoopDelayMaxMs: number;
  /** Slots missed for want of capacity (not frozen, not held by their own service's last probe). */
  missedForCapacity: number;
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
  /** Forget the start-lag and event-loop samples (e.g. after a warm-up). */
  resetLatencyStats(): void;
}

type ProbeJob = ClaimedJob<'probe'>;

interface KindState {
  kind: HandlerKind;
  handler: JobHandler;
  running: boolean;
  refs: JobRef[];
  pauseUntil: number;
  /** An empty claim makes the next one wait IDLE_CLAIM_MS; a finished run clears it (a follow-up may be queued). */
  nextClaimAt: number;
}

const PROBE_KINDS: readonly JobKind[] = ['probe'];
/** After the abort, how long stop() still waits for probes and handlers to settle. */
const ABORT_SETTLE_MS = 2000;
const SWEEP_EVERY_MS = 100;
/**
 * A poll that comes this much later than it should means the process did not run (SIGSTOP, a VM
 * paused, a machine suspended, a stall): the slots due meanwhile were not probed at their time.
 */
const FROZEN_AFTER_MS = 2000;
/**
 * Export and collect jobs come at most every second: looking for them on every poll would cost
 * a claim statement each time for nothing.
 */
const IDLE_CLAIM_MS = 250;
const ERROR_LOG_EVERY_MS = 10_000;
const MAX_ROWS_PER_WRITE = 1000;
const WRITE_RETRY_MS = 1000;

function refOf(job: ClaimedJob): JobRef {
  return { id: job.id, token: job.leaseToken };
}

function runAtOf(job: ProbeJob): number {
  return job.runAt;
}

export function createRunner(options: RunnerOptions): Runner {
  const { store, prober, logger, agent } = options;
  const now = options.now ?? Date.now;
  // A prober that applies the caps itself (the threaded one, where requests finish) gets every due
  // probe at once: caps held here would also count the hand-over back to this thread. It is
  // bounded all the same, by one probe in flight per service.
  const gated = prober.gatesRequests === true;
  const concurrency = gated
    ? Number.POSITIVE_INFINITY
    : (options.concurrency ?? LIMITS['runner.concurrency'].default);
  const perOrigin = gated
    ? Number.POSITIVE_INFINITY
    : (options.perOrigin ?? LIMITS['runner.per_origin'].default);
  const pollMs = options.pollMs ?? 100;
  const claimLeadMs = options.claimLeadMs ?? 300;
  const claimBatch = options.claimBatch ?? 1000;
  const flushRows = options.flushRows ?? 500;
  const flushMs = options.flushMs ?? 100;
  const maxBuffered = options.maxBufferedResults ?? 100_000;
  const handlerLeaseMs = options.handlerLeaseMs ?? 120_000;

  const services = new Map<string, ResolvedService>();
  let probeLeaseMs = 0;

  const heap = new MinHeap<ProbeJob>(runAtOf);
  /** Due jobs whose service still has a probe in flight. */
  const serviceWait = new Map<string, ProbeJob[]>();
  /** Due jobs held back by the global or the per-origin cap, per origin, in arrival order. */
  const originWait = new Map<string, Fifo<ProbeJob>>();
  const originInFlight = new Map<string, number>();
  const busyServices = new Set<string>();
  let inFlight = 0;
  let waiting = 0;

  let pendingResults: RecordedProbe[] = [];
  let pendingCompletes: JobRef[] = [];
  let pendingReleases: JobRef[] = [];
  /** After a failed write, the next one waits until then. */
  let writeRetryAt = 0;

  const kinds: KindState[] = [];
  for (const [kind, handler] of Object.entries(options.handlers ?? {}) as [HandlerKind, JobHandler][]) {
    kinds.push({ kind, handler, running: false, refs: [], pauseUntil: 0, nextClaimAt: 0 });
  }

  const abort = new AbortController();
  // Every in-flight probe listens on it: hundreds of listeners are expected, not a leak.
  setMaxListeners(0, abort.signal);
  const lag = new LagHistogram();
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  const counters = {
    claimed: 0,
    executed: 0,
    missed: 0,
    dropped: 0,
    stale: 0,
    resultsWritten: 0,
    released: 0,
    handlerRuns: 0,
    handlerFailures: 0,
    storeErrors: 0,
    missedForCapacity: 0,
  };
  const overload = new OverloadMeter(logger);

  let started = false;
  /** When start() ran, epoch ms. */
  let runnerStartedAt = Number.POSITIVE_INFINITY;
  let stopping = false;
  let pollTimer: NodeJS.Timeout | null = null;
  let dispatchTimer: NodeJS.Timeout | null = null;
  let dispatchAt = Number.POSITIVE_INFINITY;
  let flushTimer: NodeJS.Timeout | null = null;
  let lastSweep = 0;
  /** The last poll, on the monotonic clock (a frozen process is seen as a gap in it). */
  let lastPollMono = 0;
  let lastPollAt = 0;
  /** Slots scheduled in [frozenFrom, frozenUntil) were due while the process was not running. */
  let frozenFrom = 0;
  let frozenUntil = 0;
  let idleWaiters: (() => void)[] = [];

  function setServices(list: readonly ResolvedService[]): void {
    services.clear();
    let span = 0;
    for (const s of list) {
      services.set(s.key, s);
      const window = s.cron === null ? Math.min(s.intervalMs, MAX_WINDOW_MS) : MAX_WINDOW_MS;
      span = Math.max(span, window + s.timeoutMs);
    }
    // A claimed probe may wait up to its window, then run up to its timeout: the lease covers both.
    probeLeaseMs = claimLeadMs + span + 10_000;
  }

  // A broken disk fails every poll: log the first failure of each kind, then one line per period.
  const lastLogged = new Map<string, { at: number; suppressed: number }>();

  function storeError(what: string, e: unknown): void {
    counters.storeErrors++;
    const t = now();
    const seen = lastLogged.get(what);
    if (seen !== undefined && t - seen.at < ERROR_LOG_EVERY_MS) {
      seen.suppressed++;
      return;
    }
    lastLogged.set(what, { at: t, suppressed: 0 });
    logger.error(
      { err: toError(e), suppressedSinceLast: seen?.suppressed ?? 0 },
      `local database: ${what} failed`,
    );
  }

  // ---- writing results -------------------------------------------------------------------

  function flush(): void {
    if (flushTimer !== null) {
      clearTimeout(flushTimer);
      flushTimer = null;
    }
    // Normally one batch; after the database refused writes for a while, a backlog goes in
    // slices so that no single transaction holds the event loop for long.
    while (pendingResults.length > 0) {
      const slice =
        pendingResults.length <= MAX_ROWS_PER_WRITE
          ? pendingResults
          : pendingResults.slice(0, MAX_ROWS_PER_WRITE);
      try {
        counters.resultsWritten += store.recordProbeResults(slice);
      } catch (e: unknown) {
        storeError('writing results', e);
        // Not on every new result: the next try waits a little.
        writeRetryAt = now() + WRITE_RETRY_MS;
        if (pendingResults.length > maxBuffered) {
          const drop = pendingResults.length - maxBuffered;
          pendingResults.splice(0, drop);
          storeError(
            'keeping results in memory',
            new Error(`result buffer full: dropped the ${drop} oldest results`),
          );
        }
        break;
      }
      pendingResults = slice === pendingResults ? [] : pendingResults.slice(slice.length);
    }
    if (pendingCompletes.length > 0) {
      try {
        store.complete(pendingCompletes);
        pendingCompletes = [];
      } catch (e: unknown) {
        storeError('completing jobs', e);
      }
    }
    if (pendingReleases.length > 0) {
      try {
        counters.released += store.release(pendingReleases);
        pendingReleases = [];
      } catch (e: unknown) {
        storeError('releasing leases', e);
      }
    }
    const left = pendingResults.length > 0 || pendingCompletes.length > 0 || pendingReleases.length > 0;
    if (!stopping && left && flushTimer === null) {
      flushTimer = setTimeout(flush, Math.max(flushMs, writeRetryAt - now()));
    }
  }

  function scheduleFlush(): void {
    if (pendingResults.length >= flushRows && now() >= writeRetryAt) flush();
    else if (flushTimer === null) flushTimer = setTimeout(flush, Math.max(flushMs, writeRetryAt - now()));
  }

  function addResult(job: ProbeJob, result: ProbeResult): void {
    pendingResults.push({ result, job: refOf(job) });
    scheduleFlush();
  }

  /** `cause` completes "slot not started before its window ended: …". */
  function missed(job: ProbeJob, service: ResolvedService, cause: string): void {
    counters.missed++;
    addResult(job, missedResult(service, job.payload.scheduledAt, agent, cause, now()));
  }

  function failedProbe(job: ProbeJob, service: ResolvedService, startedAt: number, e: Error): ProbeResult {
    const { scheduledAt } = job.payload;
    return resultWithoutResponse(
      service,
      scheduledAt,
      agent,
      now(),
      startedAt,
      'other',
      `probe failed unexpectedly: ${e.message}`,
    );
  }

  // ---- starting probes -------------------------------------------------------------------

  const LATE_WHEN_DUE = 'it was already over when the slot came due';
  const SERVICE_BUSY = 'the previous probe of this service was still running';
  const CAPS_FULL = 'the concurrency caps stayed full';
  const FROZEN = 'the monitor was not running at its time (frozen, suspended or stalled)';

  /** A job whose runAt has come: start it, hold it back, or write it off (saying why it was late). */
  function admit(job: ProbeJob, t: number, lateCause: string = LATE_WHEN_DUE): void {
    const payload: ProbePayload = job.payload;
    const service = services.get(payload.serviceKey);
    if (service === undefined) {
      // Removed by a reload since it was enqueued: the slot no longer exists.
      counters.dropped++;
      pendingCompletes.push(refOf(job));
      scheduleFlush();
      return;
    }
    if (payload.scheduledAt < frozenUntil && payload.scheduledAt >= frozenFrom) {
      // Its time passed while the process was stopped: recorded as missed, not run late in a burst.
      missed(job, service, FROZEN);
      return;
    }
    if (t >= payload.windowEndsAt) {
      if (payload.windowEndsAt <= runnerStartedAt) {
        if (counters.stale++ === 0) {
          logger.info(
            'skipping probe slots queued before this start whose window has passed (counted as stale= in the status line and the Stopped. line)',
          );
        }
        pendingCompletes.push(refOf(job));
        scheduleFlush();
      } else {
        if (lateCause !== SERVICE_BUSY) counters.missedForCapacity++;
        missed(job, service, lateCause);
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
    if (inFlight >= concurrency || (originInFlight.get(service.origin) ?? 0) >= perOrigin) {
      let q = originWait.get(service.origin);
      if (q === undefined) {
        q = new Fifo<ProbeJob>();
        originWait.set(service.origin, q);
      }
      q.push(job);
      waiting++;
      return;
    }
    startProbe(job, service, t);
  }

  function startProbe(job: ProbeJob, service: ResolvedService, t: number): void {
    inFlight++;
    originInFlight.set(service.origin, (originInFlight.get(service.origin) ?? 0) + 1);
    busyServices.add(service.key);
    counters.executed++;
    lag.record(t - job.payload.scheduledAt);
    let pending: Promise<ProbeResult>;
    try {
      pending = prober.probe(service, {
        scheduledAt: job.payload.scheduledAt,
        windowEndsAt: job.payload.windowEndsAt,
        agent,
        signal: abort.signal,
      });
    } catch (e: unknown) {
      // The contract says probe() never throws; if it does, the slot still gets its one result.
      pending = Promise.reject(e);
    }
    pending
      .then(
        (result) => probeDone(job, service, result),
        (e: unknown) => probeDone(job, service, failedProbe(job, service, t, toError(e))),
      )
      .catch(internalError);
  }

  function probeDone(job: ProbeJob, service: ResolvedService, result: ProbeResult): void {
    inFlight--;
    const n = (originInFlight.get(service.origin) ?? 1) - 1;
    if (n === 0) originInFlight.delete(service.origin);
    else originInFlight.set(service.origin, n);
    busyServices.delete(service.key);
    if (result.errorClass === 'missed') {
      // The prober's own caps held it past its window: it never started.
      counters.executed--;
      counters.missed++;
      counters.missedForCapacity++;
    }
    addResult(job, result);
    if (stopping) {
      checkIdle();
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
    pump(t);
  }

  /** Start held-back jobs while the caps allow, oldest first within each origin. */
  function pump(t: number): void {
    if (originWait.size === 0) return;
    for (const [origin, q] of originWait) {
      if (inFlight >= concurrency) return;
      while (q.length > 0 && inFlight < concurrency && (originInFlight.get(origin) ?? 0) < perOrigin) {
        const job = q.shift()!;
        waiting--;
        admit(job, t, CAPS_FULL);
      }
      if (q.length === 0) originWait.delete(origin);
    }
  }

  /** Write off held-back jobs whose window has ended, so a missed slot is reported promptly. */
  function sweep(t: number): void {
    lastSweep = t;
    const expired = (job: ProbeJob) => t >= job.payload.windowEndsAt;
    for (const [key, list] of serviceWait) {
      const keep = list.filter((j) => !expired(j));
      if (keep.length === list.length) continue;
      for (const j of list) if (expired(j)) writeOff(j, SERVICE_BUSY);
      if (keep.length === 0) serviceWait.delete(key);
      else serviceWait.set(key, keep);
    }
    for (const [origin, q] of originWait) {
      for (const j of q.removeWhere(expired)) writeOff(j, CAPS_FULL);
      if (q.length === 0) originWait.delete(origin);
    }
  }

  function writeOff(job: ProbeJob, cause: string): void {
    waiting--;
    const service = services.get(job.payload.serviceKey);
    if (service === undefined) {
      counters.dropped++;
      pendingCompletes.push(refOf(job));
      scheduleFlush();
    } else {
      if (cause === CAPS_FULL) counters.missedForCapacity++;
      missed(job, service, cause);
    }
  }

  function dispatch(): void {
    dispatchTimer = null;
    dispatchAt = Number.POSITIVE_INFINITY;
    if (stopping) return;
    const t = now();
    try {
      for (let top = heap.peek(); top !== undefined && top.runAt <= t; top = heap.peek()) {
        heap.pop();
        admit(top, t);
      }
    } catch (e: unknown) {
      internalError(e);
    }
    armDispatch();
  }

  /** A bug in this file must cost a slot, not the process (timer callbacks have no caller to catch). */
  function internalError(e: unknown): void {
    logger.error({ err: toError(e) }, 'runner internal error');
  }

  function armDispatch(): void {
    const top = heap.peek();
    if (top === undefined || top.runAt >= dispatchAt) return;
    if (dispatchTimer !== null) clearTimeout(dispatchTimer);
    dispatchAt = top.runAt;
    dispatchTimer = setTimeout(dispatch, Math.max(0, top.runAt - now()));
  }

  // ---- claiming ----------------------------------------------------------------------------

  function claimProbes(t: number): void {
    // A few batches per poll at most, so a large backlog does not hold the event loop.
    for (let round = 0; round < 4; round++) {
      let jobs: ClaimedJob[];
      try {
        jobs = store.claim({
          kinds: PROBE_KINDS,
          limit: claimBatch,
          now: t,
          runAtBefore: t + claimLeadMs,
          leaseMs: probeLeaseMs,
        });
      } catch (e: unknown) {
        storeError('claiming probe jobs', e);
        return;
      }
      counters.claimed += jobs.length;
      for (const job of jobs) heap.push(job as ProbeJob);
      if (jobs.length < claimBatch) break;
    }
    armDispatch();
  }

  function claimHandlerJobs(t: number): void {
    for (const state of kinds) {
      if (state.running || t < state.pauseUntil || t < state.nextClaimAt) continue;
      let jobs: ClaimedJob[];
      try {
        jobs = store.claim({ kinds: [state.kind], limit: 100, now: t, leaseMs: handlerLeaseMs });
      } catch (e: unknown) {
        storeError(`claiming ${state.kind} jobs`, e);
        continue;
      }
      if (jobs.length > 0) runHandler(state, jobs);
      else state.nextClaimAt = t + IDLE_CLAIM_MS;
    }
  }

  /**
   * One handler run stands for every due job of its kind (single flight): they all complete
   * with it. On failure the oldest is failed with a backoff and the others complete, so a
   * failing export is retried on the backoff schedule rather than once per queued job.
   */
  function runHandler(state: KindState, jobs: ClaimedJob[]): void {
    state.running = true;
    state.refs = jobs.map(refOf);
    counters.handlerRuns++;
    Promise.resolve()
      .then(() => state.handler(abort.signal))
      .then(
        (outcome) => {
          pendingCompletes.push(...state.refs);
          if (outcome !== null && typeof outcome.pauseUntil === 'number')
            state.pauseUntil = outcome.pauseUntil;
        },
        (e: unknown) => {
          const err = toError(e);
          if (abort.signal.aborted) {
            pendingReleases.push(...state.refs);
            return;
          }
          counters.handlerFailures++;
          const [first, ...rest] = jobs as [ClaimedJob, ...ClaimedJob[]];
          const t = now();
          const retryAt =
            first.attempts >= first.maxAttempts ? null : t + retryDelayMs(first.attempts, options.retry);
          logger.warn(
            { err, kind: state.kind, attempts: first.attempts, maxAttempts: first.maxAttempts, retryAt },
            retryAt === null ? `${state.kind} job failed for good` : `${state.kind} job failed; will retry`,
          );
          try {
            store.fail(refOf(first), err.message, retryAt, t);
          } catch (e2: unknown) {
            storeError(`failing a ${state.kind} job`, e2);
          }
          pendingCompletes.push(...rest.map(refOf));
        },
      )
      .finally(() => {
        state.running = false;
        state.refs = [];
        state.nextClaimAt = 0;
        if (!stopping) scheduleFlush();
        checkIdle();
      });
  }

  /**
   * The process did not run from `from` to `to` (epoch ms). Its own jobs' leases may have expired
   * meanwhile: renew them before the next claim would bury them as abandoned (their probes are
   * still in flight here and will write their rows), and mark the slots due in the gap as missed.
   */
  function resumedAfterFreeze(from: number, to: number): void {
    frozenFrom = from;
    frozenUntil = to;
    let renewed = 0;
    try {
      renewed = store.renewOwn(runnerStartedAt, to + Math.max(probeLeaseMs, handlerLeaseMs));
    } catch (e: unknown) {
      storeError('renewing leases after a freeze', e);
    }
    logger.warn(
      { frozenMs: to - from, renewedLeases: renewed },
      `the monitor did not run for ${((to - from) / 1000).toFixed(1)} s (stopped, suspended or stalled): slots due meanwhile are recorded as missed`,
    );
  }

  function poll(): void {
    pollTimer = null;
    if (stopping) return;
    const t = now();
    const mono = performance.now();
    if (lastPollMono > 0 && mono - lastPollMono > pollMs + FROZEN_AFTER_MS) {
      resumedAfterFreeze(lastPollAt, t);
    }
    lastPollMono = mono;
    lastPollAt = t;
    overload.update(t, counters.executed, counters.missedForCapacity);
    try {
      claimProbes(t);
      claimHandlerJobs(t);
      if (waiting > 0 && t - lastSweep >= SWEEP_EVERY_MS) sweep(t);
      pump(t);
    } catch (e: unknown) {
      internalError(e);
    }
    pollTimer = setTimeout(poll, pollMs);
  }

  // ---- stopping ----------------------------------------------------------------------------

  function busy(): boolean {
    return inFlight > 0 || kinds.some((k) => k.running);
  }

  function checkIdle(): void {
    if (busy() || idleWaiters.length === 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const w of waiters) w();
  }

  function waitIdle(ms: number): Promise<boolean> {
    if (!busy()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      idleWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /** Unstarted jobs go back to the queue, or are written off when their window has passed. */
  function giveBackUnstarted(): void {
    const t = now();
    const settle = (jobs: Iterable<ProbeJob>, lateCause: string) => {
      for (const job of jobs) {
        const service = services.get(job.payload.serviceKey);
        if (service !== undefined && t >= job.payload.windowEndsAt) missed(job, service, lateCause);
        else pendingReleases.push(refOf(job));
      }
    };
    settle(heap.drain(), LATE_WHEN_DUE);
    for (const list of serviceWait.values()) settle(list, SERVICE_BUSY);
    for (const q of originWait.values()) settle(q.drain(), CAPS_FULL);
    serviceWait.clear();
    originWait.clear();
    waiting = 0;
  }

  setServices(options.services);

  return {
    start() {
      if (started) return;
      started = true;
      runnerStartedAt = now();
      loopDelay.enable();
      poll();
    },
    setServices,
    async stop(graceMs = 10_000) {
      if (stopping) return;
      stopping = true;
      if (pollTimer !== null) clearTimeout(pollTimer);
      if (dispatchTimer !== null) clearTimeout(dispatchTimer);
      pollTimer = null;
      dispatchTimer = null;
      giveBackUnstarted();
      flush();
      if (!(await waitIdle(graceMs))) {
        logger.warn({ inFlight }, 'shutdown grace over: aborting in-flight work');
        abort.abort(new MonitorError('E_ABORTED', 'the monitor is shutting down'));
        await waitIdle(ABORT_SETTLE_MS);
      }
      // Handlers that ignored the abort: their jobs will be claimed again by the next start.
      for (const k of kinds) if (k.running) pendingReleases.push(...k.refs);
      flush();
      loopDelay.disable();
    },
    stats() {
      return {
        ...counters,
        inFlight,
        waiting,
        bufferedResults: pendingResults.length,
        startLagP50Ms: lag.percentile(0.5),
        startLagP99Ms: lag.percentile(0.99),
        startLagMaxMs: lag.max,
        eventLoopDelayP99Ms: loopDelay.count > 0 ? loopDelay.percentile(99) / 1e6 : 0,
        eventLoopDelayMaxMs: loopDelay.count > 0 ? loopDelay.max / 1e6 : 0,
        overload: overload.ratio,
      };
    },
    resetLatencyStats() {
      lag.reset();
      loopDelay.reset();
    },
  };
}
