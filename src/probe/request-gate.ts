/**
 * The concurrency caps (per origin and in all) applied where the requests are made, in the probe
 * worker, not where they are scheduled. Held on the main thread, a slot stayed taken until the
 * result had crossed back and the main thread got round to it: at 2,000 probes/s on one origin
 * that hand-over, not the request, filled the 16 slots of the origin, and start lag p99 rose to
 * 750 ms while the target idled. Here a finished request hands its slot to the next waiting probe
 * at once.
 *
 * Waiting probes start oldest first within an origin; when the global cap is what holds them,
 * origins take turns. A probe that waits past the end of its window is not started late: its
 * `miss` is called instead (promptly, by a sweep, even if no slot frees up).
 *
 * Overload: when the oldest probe waiting for an origin has waited longer than `maxWaitMs`, more
 * is due than the caps can run, and a queue that long only makes every probe behind it late
 * (before this, a monitor at 1.5× its capacity queued probes for their whole window, ran each one
 * late and missed every other slot of every service, with RSS growing). A probe arriving then is
 * missed at once, unless its service missed its previous slot (`owed`): those wait, and start
 * before the others, so no service misses two slots in a row while the load is under twice what
 * the caps can run.
 */

import { LIMITS } from '../config/limits.js';
import { Fifo } from '../util/queues.js';

export interface RequestGateOptions<T> {
  /** Starts the request of `item`; whatever it launches must call `release(origin)` once done. */
  start: (item: T) => void;
  /** `item` waited past its window (or the gate was abandoned): it never started. */
  miss: (item: T) => void;
  /** Requests in flight per origin (the config's runner.per_origin). Default 16. */
  perOrigin?: number;
  /** Requests in flight in all (the config's runner.concurrency). Default 512. */
  concurrency?: number;
  /** How often waiting probes are checked for an ended window. Default 100 ms. */
  sweepMs?: number;
  /**
   * An origin whose oldest waiting probe has waited longer than this is overloaded: new probes
   * there are missed at once unless `owed`. Default 1000 ms.
   */
  maxWaitMs?: number;
  /** True for an item whose service missed its previous slot: it waits, and goes first. Default: never. */
  owed?: (item: T) => boolean;
  /** Clock, epoch ms. Default Date.now. */
  now?: () => number;
}

interface Waiting<T> {
  windowEndsAt: number;
  enteredAt: number;
  item: T;
}

/** Two lines per origin: probes of services that missed their last slot start first. */
class LaneQueue<T> {
  readonly owed = new Fifo<Waiting<T>>();
  readonly fresh = new Fifo<Waiting<T>>();

  get length(): number {
    return this.owed.length + this.fresh.length;
  }

  shift(): Waiting<T> | undefined {
    return this.owed.shift() ?? this.fresh.shift();
  }

  /** When the probe that has waited longest here came in, or undefined when none waits. */
  oldestEnteredAt(): number | undefined {
    const a = this.owed.peek()?.enteredAt;
    const b = this.fresh.peek()?.enteredAt;
    return a === undefined ? b : b === undefined ? a : Math.min(a, b);
  }

  removeWhere(drop: (w: Waiting<T>) => boolean): Waiting<T>[] {
    return [...this.owed.removeWhere(drop), ...this.fresh.removeWhere(drop)];
  }

  drain(): Waiting<T>[] {
    return [...this.owed.drain(), ...this.fresh.drain()];
  }
}

interface Lane<T> {
  origin: string;
  active: number;
  queue: LaneQueue<T>;
}

export interface RequestGate<T> {
  /**
   * Starts `item` now if both caps leave room, else when they do, or misses it if `windowEndsAt`
   * passes first. (Handlers fixed at creation, not closures per call: this runs for every probe.)
   */
  enter(origin: string, windowEndsAt: number, item: T): void;
  release(origin: string): void;
  /** Probes waiting for a slot. */
  readonly waiting: number;
  /** Probes missed on arrival because their origin was overloaded (see maxWaitMs), since creation. */
  readonly shed: number;
  /** Requests started and not yet released. */
  readonly active: number;
  /** Every waiting probe is answered with its `miss` now (shutdown: they never started). */
  abandon(): void;
  close(): void;
}

export function createRequestGate<T>(options: RequestGateOptions<T>): RequestGate<T> {
  const gate = new Gate(options);
  // A plain object of closures, as the contract always was: its methods may be passed around unbound.
  return {
    enter: (origin, windowEndsAt, item) => gate.enter(origin, windowEndsAt, item),
    release: (origin) => gate.release(origin),
    get waiting() {
      return gate.waiting;
    },
    get shed() {
      return gate.shed;
    },
    get active() {
      return gate.active;
    },
    abandon: () => gate.abandon(),
    close: () => gate.close(),
  };
}

/** The lanes (one per origin), both caps and the sweep of waiting probes whose window ended. */
class Gate<T> {
  private readonly start: (item: T) => void;
  private readonly miss: (item: T) => void;
  private readonly perOrigin: number;
  private readonly concurrency: number;
  private readonly sweepMs: number;
  private readonly now: () => number;
  private readonly maxWaitMs: number;
  private readonly owed: (item: T) => boolean;
  private readonly lanes = new Map<string, Lane<T>>();
  /** Lanes with waiting probes, in turn order (a lane that starts one moves to the back). */
  private readonly queued = new Set<Lane<T>>();
  private sweeper: NodeJS.Timeout | null = null;
  // Public for the getters of createRequestGate's object, which is all that callers see.
  shed = 0;
  active = 0;
  waiting = 0;

  constructor(options: RequestGateOptions<T>) {
    this.start = options.start;
    this.miss = options.miss;
    this.perOrigin = options.perOrigin ?? LIMITS['runner.per_origin'].default;
    this.concurrency = options.concurrency ?? LIMITS['runner.concurrency'].default;
    this.sweepMs = options.sweepMs ?? 100;
    this.now = options.now ?? Date.now;
    this.maxWaitMs = options.maxWaitMs ?? 1000;
    this.owed = options.owed ?? (() => false);
  }

  enter(origin: string, windowEndsAt: number, item: T): void {
    const lane = this.laneOf(origin);
    // Room under both caps means nobody waits for it: every release starts waiting probes
    // while there is room.
    if (lane.active < this.perOrigin && this.active < this.concurrency) {
      lane.active++;
      this.active++;
      this.start(item);
      return;
    }
    const t = this.now();
    const oldest = lane.queue.oldestEnteredAt();
    const isOwed = this.owed(item);
    if (oldest !== undefined && t - oldest > this.maxWaitMs && !isOwed) {
      this.shed++;
      this.miss(item);
      return;
    }
    (isOwed ? lane.queue.owed : lane.queue.fresh).push({ windowEndsAt, enteredAt: t, item });
    this.waiting++;
    this.queued.add(lane);
    if (this.sweeper === null) {
      this.sweeper = setInterval(() => this.sweep(), this.sweepMs);
      this.sweeper.unref();
    }
  }

  release(origin: string): void {
    const lane = this.lanes.get(origin);
    if (lane === undefined || lane.active === 0) return;
    // Other origins' waiters can only have been held by the global cap if it was full.
    const globalWasFull = this.active >= this.concurrency;
    lane.active--;
    this.active--;
    const t = this.now();
    // This origin's own waiters first (the usual case: one busy origin), then whoever the
    // global cap held, in turn.
    this.drain(lane, t);
    if (!globalWasFull) return;
    for (const other of this.queued) {
      if (this.active >= this.concurrency) break;
      if (other !== lane) this.drain(other, t);
    }
  }

  abandon(): void {
    for (const lane of this.queued) {
      for (const w of lane.queue.drain()) {
        this.waiting--;
        this.miss(w.item);
      }
      if (lane.active === 0) this.lanes.delete(lane.origin);
    }
    this.queued.clear();
  }

  close(): void {
    if (this.sweeper !== null) clearInterval(this.sweeper);
    this.sweeper = null;
  }

  private laneOf(origin: string): Lane<T> {
    let lane = this.lanes.get(origin);
    if (lane === undefined) {
      lane = { origin, active: 0, queue: new LaneQueue<T>() };
      this.lanes.set(origin, lane);
    }
    return lane;
  }

  private forgetIfIdle(lane: Lane<T>): void {
    if (lane.queue.length > 0) return;
    this.queued.delete(lane);
    if (lane.active === 0) this.lanes.delete(lane.origin);
  }

  /** Starts waiting probes of `lane` while both caps allow; those past their window are missed. */
  private drain(lane: Lane<T>, t: number): void {
    while (lane.queue.length > 0 && lane.active < this.perOrigin && this.active < this.concurrency) {
      const w = lane.queue.shift()!;
      this.waiting--;
      if (t >= w.windowEndsAt) {
        this.miss(w.item);
        continue;
      }
      lane.active++;
      this.active++;
      this.start(w.item);
      if (lane.queue.length > 0) {
        // Its turn is over: to the back of the line for the global cap.
        this.queued.delete(lane);
        this.queued.add(lane);
      }
    }
    this.forgetIfIdle(lane);
  }

  private sweep(): void {
    const t = this.now();
    for (const lane of this.queued) {
      for (const w of lane.queue.removeWhere((x) => t >= x.windowEndsAt)) {
        this.waiting--;
        this.miss(w.item);
      }
      this.forgetIfIdle(lane);
    }
    if (this.waiting === 0 && this.sweeper !== null) {
      clearInterval(this.sweeper);
      this.sweeper = null;
    }
  }
}
