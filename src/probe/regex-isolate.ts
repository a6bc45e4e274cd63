import { Worker } from 'node:worker_threads';
import { RegexTimeoutError } from './classify.js';
import type { MatchReply, MatchRequest } from './regex-worker.js';

/**
 * Matches that may take long run here: in worker threads of their own, one match per thread at
 * a time, each with a time budget. A thread whose match overruns is terminated (V8 cannot stop a
 * RegExp any other way) and a fresh one takes the next match, so a catastrophic pattern costs its
 * own service a `regex_timeout` and costs the other services nothing. Threads start on first use.
 *
 * A pattern that has overrun once is a suspect: its matches go to a lane (queue and thread) of
 * their own, so a catastrophic pattern spending its budget every second cannot delay the isolated
 * matches of well-behaved patterns (backreferences, lookaround) behind it.
 */

/** Longest a single isolated match may run, in ms, unless told otherwise. */
export const DEFAULT_REGEX_BUDGET_MS = 500;

export interface RegexIsolateOptions {
  /** Longest a single match may run, in ms; then its thread is terminated. Default 500 (DEFAULT_REGEX_BUDGET_MS). */
  budgetMs?: number;
  /** Threads matching in parallel for patterns that never overran (suspects have one more). Default 1. */
  threads?: number;
  /**
   * Matches waiting for a thread, per lane; one more is refused at once as a `regex_timeout` (the queue is
   * bounded, so a flood of slow matches cannot hold memory or time). Default 64.
   */
  maxQueue?: number;
  /** Heap of each thread (V8's maxOldGenerationSizeMb): a body is at most a few MB. Default 64. */
  heapMb?: number;
}

export interface RegexIsolate {
  /** Start the first thread now (it takes a few hundred ms to load), so the first match does not wait for it. */
  warm(): void;
  /** Resolves with the verdict; rejects with RegexTimeoutError past the budget, or with the signal's reason. */
  run(
    source: string,
    engine: 'native' | 're2',
    text: string,
    signal: AbortSignal,
    flags?: string,
  ): Promise<boolean>;
  /** Terminates the threads; waiting and running matches reject with the closed error. */
  close(): Promise<void>;
}

interface Job {
  request: MatchRequest;
  signal: AbortSignal;
  resolve(matched: boolean): void;
  reject(err: Error): void;
  onAbort(): void;
}

interface Lane {
  queue: Job[];
  slots: Slot[];
}

interface Slot {
  lane: Lane;
  worker: Worker | null;
  /** The thread has loaded and listens: a job's budget starts only then, not during its start-up. */
  ready: boolean;
  job: Job | null;
  timer: NodeJS.Timeout | null;
}

const WORKER_URL = new URL('./regex-worker.js', import.meta.url);

/** Suspects remembered at most; past this the set starts over, so its memory stays bounded. */
const MAX_SUSPECTS = 1000;

export function createRegexIsolate(options: RegexIsolateOptions = {}): RegexIsolate {
  const threads = new MatcherThreads(options);
  // A plain object of closures, as the contract always was: its methods may be passed around unbound.
  return {
    run: (source, engine, text, signal, flags = '') => threads.run(source, engine, text, signal, flags),
    warm: () => threads.warm(),
    close: () => threads.close(),
  };
}

/** The two lanes (clean and suspect), their threads and the budget of each running match. */
class MatcherThreads {
  private readonly budgetMs: number;
  private readonly maxQueue: number;
  private readonly heapMb: number;
  private readonly clean: Lane;
  private readonly suspect: Lane;
  /** Sources that overran their budget at least once. */
  private readonly suspects = new Set<string>();
  private nextId = 1;
  private closed = false;

  constructor(options: RegexIsolateOptions) {
    const { budgetMs = DEFAULT_REGEX_BUDGET_MS, threads = 1, maxQueue = 64, heapMb = 64 } = options;
    this.budgetMs = budgetMs;
    this.maxQueue = maxQueue;
    this.heapMb = heapMb;
    this.clean = newLane(Math.max(1, threads));
    this.suspect = newLane(1);
  }

  run(
    source: string,
    engine: 'native' | 're2',
    text: string,
    signal: AbortSignal,
    flags: string,
  ): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      if (this.closed) return reject(new Error('the regex matcher is closed'));
      if (signal.aborted) return reject(signal.reason);
      const l = this.suspects.has(source) ? this.suspect : this.clean;
      if (l.queue.length >= this.maxQueue) {
        return reject(
          new RegexTimeoutError(
            this.budgetMs,
            `${l.queue.length} matches already waiting for the regex matcher`,
          ),
        );
      }
      const job: Job = {
        request: { id: this.nextId++, source, flags, engine, text },
        signal,
        resolve,
        reject,
        onAbort: () => this.abort(job),
      };
      signal.addEventListener('abort', job.onAbort, { once: true });
      l.queue.push(job);
      this.dispatch(l);
    });
  }

  warm(): void {
    const slot = this.clean.slots[0]!;
    if (!this.closed && slot.worker === null) slot.worker = this.spawn(slot);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const err = new Error('the regex matcher is closed');
    const exiting: Promise<number>[] = [];
    for (const job of [...this.clean.queue.splice(0), ...this.suspect.queue.splice(0)]) {
      job.signal.removeEventListener('abort', job.onAbort);
      job.reject(err);
    }
    for (const slot of [...this.clean.slots, ...this.suspect.slots]) {
      const w = slot.worker;
      slot.worker = null;
      if (slot.job !== null) this.finish(slot, slot.job, err);
      if (w !== null) exiting.push(w.terminate());
    }
    await Promise.all(exiting);
  }

  /** Wherever the job is by then (it may have moved to the suspect lane). */
  private abort(job: Job): void {
    const { signal } = job;
    for (const ln of [this.clean, this.suspect]) {
      const at = ln.queue.indexOf(job);
      if (at >= 0) {
        ln.queue.splice(at, 1);
        job.reject(signal.reason);
        return;
      }
      const slot = ln.slots.find((x) => x.job === job);
      if (slot) {
        this.finish(slot, job, signal.reason instanceof Error ? signal.reason : new Error('aborted'), true);
        return;
      }
    }
  }

  private spawn(slot: Slot): Worker {
    const w = new Worker(WORKER_URL, { resourceLimits: { maxOldGenerationSizeMb: this.heapMb } });
    w.on('message', (reply: MatchReply) => {
      if (slot.worker !== w) return;
      if (reply.ready) {
        slot.ready = true;
        if (slot.job !== null) this.startBudget(slot, slot.job);
        return;
      }
      const job = slot.job;
      if (slot.worker !== w || job === null || job.request.id !== reply.id) return;
      if (reply.error !== undefined) this.finish(slot, job, new Error(`the regex failed: ${reply.error}`));
      else this.finish(slot, job, reply.matched === true);
    });
    const gone = (why: string) => {
      if (slot.worker !== w) return;
      slot.worker = null;
      const job = slot.job;
      if (job !== null) this.finish(slot, job, new Error(why));
    };
    w.on('error', (e: Error) => gone(`the regex matcher thread failed: ${e.message}`));
    w.on('exit', (code) => gone(`the regex matcher thread exited (code ${code})`));
    w.unref();
    slot.ready = false;
    return w;
  }

  private startBudget(slot: Slot, job: Job): void {
    slot.timer = setTimeout(() => {
      const source = job.request.source;
      if (this.suspects.size >= MAX_SUSPECTS) this.suspects.clear();
      this.suspects.add(source);
      // Its matches already queued behind it move to the suspect lane too.
      if (slot.lane === this.clean) {
        const moving = this.clean.queue.filter((j) => j.request.source === source);
        if (moving.length > 0) {
          this.clean.queue = this.clean.queue.filter((j) => j.request.source !== source);
          this.suspect.queue.push(...moving);
        }
      }
      this.finish(slot, job, new RegexTimeoutError(this.budgetMs), true);
      this.dispatch(this.suspect);
    }, this.budgetMs);
  }

  /** Ends a running job; its thread is kept if the match completed, dropped if it overran. */
  private finish(slot: Slot, job: Job, outcome: boolean | Error, kill = false): void {
    if (slot.timer !== null) clearTimeout(slot.timer);
    slot.timer = null;
    slot.job = null;
    job.signal.removeEventListener('abort', job.onAbort);
    const w = slot.worker;
    if (kill && w !== null) {
      void w.terminate();
      // The replacement loads now, while its lane waits for the next match (a service probed every
      // second should not pay a thread start on top of its budget each time).
      slot.worker = this.closed ? null : this.spawn(slot);
    } else w?.unref();
    if (typeof outcome === 'boolean') job.resolve(outcome);
    else job.reject(outcome);
    this.dispatch(slot.lane);
  }

  private dispatch(l: Lane): void {
    for (const slot of l.slots) {
      if (l.queue.length === 0 || this.closed) return;
      if (slot.job !== null) continue;
      const job = l.queue.shift()!;
      slot.job = job;
      slot.worker ??= this.spawn(slot);
      slot.worker.ref();
      slot.worker.postMessage(job.request);
      if (slot.ready) this.startBudget(slot, job);
    }
  }
}

function newLane(threads: number): Lane {
  const l: Lane = { queue: [], slots: [] };
  for (let i = 0; i < threads; i++)
    l.slots.push({ lane: l, worker: null, ready: false, job: null, timer: null });
  return l;
}
