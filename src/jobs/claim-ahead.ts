import type { ClaimedJob } from '../queue/store.js';
import type { JobKind } from '../queue/types.js';
import { MinHeap } from '../util/queues.js';
import type { ResultWriter } from './result-writer.js';
import { internalError, type ProbeJob, type RunnerContext } from './runner-context.js';

/**
 * The probe lane's claim-ahead: probe jobs are claimed a little before their start time and kept
 * in a heap by runAt; one timer hands each to the lane at its runAt, so the timer, not the poll,
 * starts them.
 */

export interface ClaimAheadOptions {
  /** RunnerOptions.claimLeadMs. */
  claimLeadMs: number;
  /** RunnerOptions.claimBatch. */
  claimBatch: number;
}

const PROBE_KINDS: readonly JobKind[] = ['probe'];

export class ClaimAhead {
  private readonly heap = new MinHeap<ProbeJob>((job) => job.runAt);
  private timer: NodeJS.Timeout | null = null;
  /** When the timer fires (infinity when it is not armed). */
  private timerAt = Number.POSITIVE_INFINITY;

  /** `due` is called for each job when its runAt has come, with the time of the timer's turn. */
  constructor(
    private readonly ctx: RunnerContext,
    private readonly writer: ResultWriter,
    private readonly options: ClaimAheadOptions,
    private readonly due: (job: ProbeJob, t: number) => void,
  ) {}

  /** Claims the probe jobs due within the claim lead, leased for `leaseMs`, and arms the timer. */
  claim(t: number, leaseMs: number): void {
    const { store, counters } = this.ctx;
    const { claimLeadMs, claimBatch } = this.options;
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
        this.writer.storeError('claiming probe jobs', e);
        return;
      }
      counters.claimed += jobs.length;
      for (const job of jobs) this.heap.push(job as ProbeJob);
      if (jobs.length < claimBatch) break;
    }
    this.arm();
  }

  /** Stops the timer; returns the jobs not handed over yet (the heap is left empty). */
  stop(): ProbeJob[] {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    return this.heap.drain();
  }

  private dispatch(): void {
    this.timer = null;
    this.timerAt = Number.POSITIVE_INFINITY;
    if (this.ctx.stopping) return;
    const { heap } = this;
    const t = this.ctx.now();
    try {
      for (let top = heap.peek(); top !== undefined && top.runAt <= t; top = heap.peek()) {
        heap.pop();
        this.due(top, t);
      }
    } catch (e: unknown) {
      internalError(this.ctx, e);
    }
    this.arm();
  }

  private arm(): void {
    const top = this.heap.peek();
    if (top === undefined || top.runAt >= this.timerAt) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timerAt = top.runAt;
    this.timer = setTimeout(() => this.dispatch(), Math.max(0, top.runAt - this.ctx.now()));
  }
}
