import { toError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { ClaimedJob, JobRef, JobStore } from '../queue/store.js';

/**
 * What the runner's parts (runner.ts, probe-lane.ts with claim-ahead.ts, handler-lane.ts,
 * result-writer.ts) share. Created once per runner and passed to each part's factory, so two
 * runners in one process (the tests have several) never share state.
 */
export interface RunnerContext {
  readonly store: JobStore;
  readonly logger: Logger;
  /** Agent name written on every result. */
  readonly agent: string;
  /** Clock, epoch ms. Timers are real either way. */
  readonly now: () => number;
  readonly counters: RunnerCounters;
  /** Aborted when stop()'s grace is over: in-flight probes and handler runs end. */
  readonly abort: AbortController;
  /** When start() ran, epoch ms (infinity before). */
  startedAt: number;
  /** stop() has begun: nothing is claimed or started any more. */
  stopping: boolean;
  /** A probe or a handler run ended: stop() may be waiting for the last one. */
  settled(): void;
}

/** The running totals of RunnerStats, since the runner was created. */
export interface RunnerCounters {
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
  /** Leases given back at shutdown. */
  released: number;
  handlerRuns: number;
  handlerFailures: number;
  storeErrors: number;
  /** Slots missed for want of capacity (not frozen, not held by their own service's last probe). */
  missedForCapacity: number;
}

export function createCounters(): RunnerCounters {
  return {
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
}

export type ProbeJob = ClaimedJob<'probe'>;

export function refOf(job: ClaimedJob): JobRef {
  return { id: job.id, token: job.leaseToken };
}

/** A bug in the runner must cost a slot, not the process (timer callbacks have no caller to catch). */
export function internalError(ctx: RunnerContext, e: unknown): void {
  ctx.logger.error({ err: toError(e) }, 'runner internal error');
}
