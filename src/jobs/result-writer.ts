import type { ResolvedService } from '../config/resolve.js';
import { toError } from '../errors.js';
import type { JobRef, RecordedProbe } from '../queue/store.js';
import type { ProbeResult } from '../results/types.js';
import { missedResult, resultWithoutResponse } from '../results/without-response.js';
import { type ProbeJob, type RunnerContext, refOf } from './runner-context.js';

/**
 * The runner's writes to the local database, behind: results, completed jobs and given-back
 * leases wait in memory and go in batches (a result and the completion of its job in one
 * transaction). While the database refuses writes they are kept, up to a bound, and retried
 * without a storm; failures are counted and logged at a bounded rate.
 */

export interface ResultWriterOptions {
  /** Results are written when this many are waiting (RunnerOptions.flushRows). */
  flushRows: number;
  /** …or when the oldest has waited this long (RunnerOptions.flushMs). */
  flushMs: number;
  /** Results kept in memory while the database refuses writes (RunnerOptions.maxBufferedResults). */
  maxBufferedResults: number;
}

export interface ResultWriter {
  addResult(job: ProbeJob, result: ProbeResult): void;
  /** Writes the slot as `missed`; `cause` completes "slot not started before its window ended: …". */
  missed(job: ProbeJob, service: ResolvedService, cause: string): void;
  /** The result of a probe that threw (or rejected) instead of answering. */
  failedProbe(job: ProbeJob, service: ResolvedService, startedAt: number, e: Error): ProbeResult;
  /** Completes jobs without a result at the next write (which the caller schedules). */
  complete(...refs: JobRef[]): void;
  /** Gives leases back at the next write (which the caller schedules). */
  release(...refs: JobRef[]): void;
  /** Writes now if a batch is full, else arms the flush timer. */
  scheduleFlush(): void;
  flush(): void;
  /** Counts and logs (rate-limited per `what`) a failed local database call. */
  storeError(what: string, e: unknown): void;
  /** Results waiting to be written. */
  readonly buffered: number;
}

const ERROR_LOG_EVERY_MS = 10_000;
const MAX_ROWS_PER_WRITE = 1000;
const WRITE_RETRY_MS = 1000;

/** When each kind of failure was last logged, and how many of that kind went unlogged since. */
type ErrorLogTimes = Map<string, { at: number; suppressed: number }>;

/** ResultWriter.storeError: counts every failure, logs the first of each kind, then one per period. */
function logStoreError(ctx: RunnerContext, lastLogged: ErrorLogTimes, what: string, e: unknown): void {
  ctx.counters.storeErrors++;
  const t = ctx.now();
  const seen = lastLogged.get(what);
  if (seen !== undefined && t - seen.at < ERROR_LOG_EVERY_MS) {
    seen.suppressed++;
    return;
  }
  lastLogged.set(what, { at: t, suppressed: 0 });
  ctx.logger.error(
    { err: toError(e), suppressedSinceLast: seen?.suppressed ?? 0 },
    `local database: ${what} failed`,
  );
}

/** ResultWriter.failedProbe. */
function failedProbeResult(
  ctx: RunnerContext,
  job: ProbeJob,
  service: ResolvedService,
  startedAt: number,
  e: Error,
): ProbeResult {
  const { scheduledAt } = job.payload;
  return resultWithoutResponse(
    service,
    scheduledAt,
    ctx.agent,
    ctx.now(),
    startedAt,
    'other',
    `probe failed unexpectedly: ${e.message}`,
  );
}

export function createResultWriter(ctx: RunnerContext, options: ResultWriterOptions): ResultWriter {
  const { store, counters, agent, now } = ctx;
  const { flushRows, flushMs, maxBufferedResults: maxBuffered } = options;

  let pendingResults: RecordedProbe[] = [];
  let pendingCompletes: JobRef[] = [];
  let pendingReleases: JobRef[] = [];
  /** After a failed write, the next one waits until then. */
  let writeRetryAt = 0;
  let flushTimer: NodeJS.Timeout | null = null;

  // A broken disk fails every poll: log the first failure of each kind, then one line per period.
  const lastLogged: ErrorLogTimes = new Map();
  const storeError = (what: string, e: unknown): void => logStoreError(ctx, lastLogged, what, e);

  function writeResults(): void {
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
  }

  function flush(): void {
    if (flushTimer !== null) {
      clearTimeout(flushTimer);
      flushTimer = null;
    }
    writeResults();
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
    if (!ctx.stopping && left && flushTimer === null) {
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

  return {
    addResult,
    missed(job, service, cause) {
      counters.missed++;
      addResult(job, missedResult(service, job.payload.scheduledAt, agent, cause, now()));
    },
    failedProbe(job, service, startedAt, e) {
      return failedProbeResult(ctx, job, service, startedAt, e);
    },
    complete(...refs) {
      pendingCompletes.push(...refs);
    },
    release(...refs) {
      pendingReleases.push(...refs);
    },
    scheduleFlush,
    flush,
    storeError,
    get buffered() {
      return pendingResults.length;
    },
  };
}
