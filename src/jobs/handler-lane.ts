import { toError } from '../errors.js';
import type { ClaimedJob, JobRef } from '../queue/store.js';
import type { JobKind } from '../queue/types.js';
import { type RetryDelayOptions, retryDelayMs } from '../util/backoff.js';
import type { ResultWriter } from './result-writer.js';
import { type RunnerContext, refOf } from './runner-context.js';

/**
 * The runner's `export`, `collect` and `alerts` jobs: each kind goes to its injected handler, one run at a
 * time, with retries and backoff.
 */

export type HandlerKind = Exclude<JobKind, 'probe' | 'notify'>;

export interface HandlerOutcome {
  /** Do not claim this kind again before this time, epoch ms (e.g. the remote asked to wait). */
  pauseUntil?: number | null;
}

/** An export or collect run. Throwing fails the job (retried with backoff up to maxAttempts). */
export type JobHandler = (signal: AbortSignal) => Promise<HandlerOutcome | null> | HandlerOutcome | null;

export interface HandlerLaneOptions {
  handlers: Partial<Record<HandlerKind, JobHandler>>;
  /** Lease of a claimed job (RunnerOptions.handlerLeaseMs). */
  leaseMs: number;
  retry: RetryDelayOptions | undefined;
}

export interface HandlerLane {
  /** Claims the due jobs of every kind that is not running, paused or recently found idle. */
  claim(t: number): void;
  /** A handler run is in progress. */
  readonly running: boolean;
  /** Gives back the leases of runs still going (handlers that ignored the abort, at shutdown). */
  releaseRunning(): void;
}

interface KindState {
  kind: HandlerKind;
  handler: JobHandler;
  running: boolean;
  refs: JobRef[];
  pauseUntil: number;
  /** An empty claim makes the next one wait IDLE_CLAIM_MS; a finished run clears it (a follow-up may be queued). */
  nextClaimAt: number;
}

/**
 * Export and collect jobs come at most every second: looking for them on every poll would cost
 * a claim statement each time for nothing.
 */
const IDLE_CLAIM_MS = 250;

export function createHandlerLane(
  ctx: RunnerContext,
  writer: ResultWriter,
  options: HandlerLaneOptions,
): HandlerLane {
  const { store, logger, counters, now } = ctx;
  const kinds: KindState[] = [];
  for (const [kind, handler] of Object.entries(options.handlers) as [HandlerKind, JobHandler][]) {
    kinds.push({ kind, handler, running: false, refs: [], pauseUntil: 0, nextClaimAt: 0 });
  }

  function claim(t: number): void {
    for (const state of kinds) {
      if (state.running || t < state.pauseUntil || t < state.nextClaimAt) continue;
      let jobs: ClaimedJob[];
      try {
        jobs = store.claim({ kinds: [state.kind], limit: 100, now: t, leaseMs: options.leaseMs });
      } catch (e: unknown) {
        writer.storeError(`claiming ${state.kind} jobs`, e);
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
      .then(() => state.handler(ctx.abort.signal))
      .then(
        (outcome) => {
          writer.complete(...state.refs);
          if (outcome !== null && typeof outcome.pauseUntil === 'number')
            state.pauseUntil = outcome.pauseUntil;
        },
        (e: unknown) => failed(state, jobs, toError(e)),
      )
      .finally(() => {
        state.running = false;
        state.refs = [];
        state.nextClaimAt = 0;
        if (!ctx.stopping) writer.scheduleFlush();
        ctx.settled();
      });
  }

  function failed(state: KindState, jobs: ClaimedJob[], err: Error): void {
    if (ctx.abort.signal.aborted) {
      writer.release(...state.refs);
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
      writer.storeError(`failing a ${state.kind} job`, e2);
    }
    writer.complete(...rest.map(refOf));
  }

  return {
    claim,
    get running() {
      return kinds.some((k) => k.running);
    },
    releaseRunning() {
      for (const k of kinds) if (k.running) writer.release(...k.refs);
    },
  };
}
