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
  const { start, miss } = options;
  const perOrigin = options.perOrigin ?? LIMITS['runner.per_origin'].default;
  const concurrency = options.concurrency ?? LIMITS['runner.concurrency'].default;
  const sweepMs = options.sweepMs ?? 100;
  const now = options.now ?? Date.now;
  const maxWaitMs = options.maxWaitMs ?? 1000;
  const owed = options.owed ?? (() => false);
  let shed = 0;
  const lanes = new Map<string, Lane<T>>();
  /** Lanes with waiting probes, in turn order (a lane that starts one moves to the back). */
  const queued = new Set<Lane<T>>();
  let active = 0;
  let waiting = 0;
  let sweeper: NodeJS.Timeout | null = null;

  function laneOf(origin: string): Lane<T> {
    let lane = lanes.get(origin);
    if (lane === undefined) {
      lane = { origin, active: 0, queue: new LaneQueue<T>() };
      lanes.set(origin, lane);
    }
    return lane;
  }

  function forgetIfIdle(lane: Lane<T>): void {
    if (lane.queue.length > 0) return;
    queued.delete(lane);
    if (lane.active === 0) lanes.delete(lane.origin);
  }

  /** Starts waiting probes of `lane` while both caps allow; those past their window are missed. */
  function drain(lane: Lane<T>, t: number): void {
    while (lane.queue.length > 0 && lane.active < perOrigin && active < concurrency) {
      const w = lane.queue.shift()!;
      waiting--;
      if (t >= w.windowEndsAt) {
        miss(w.item);
        continue;
      }
      lane.active++;
      active++;
      start(w.item);
      if (lane.queue.length > 0) {
        // Its turn is over: to the back of the line for the global cap.
        queued.delete(lane);
        queued.add(lane);
      }
    }
    forgetIfIdle(lane);
  }

  function sweep(): void {
    const t = now();
    for (const lane of queued) {
      for (const w of lane.queue.removeWhere((x) => t >= x.windowEndsAt)) {
        waiting--;
        miss(w.item);
      }
      forgetIfIdle(lane);
    }
    if (waiting === 0 && sweeper !== null) {
      clearInterval(sweeper);
      sweeper = null;
    }
  }

  return {
    enter(origin, windowEndsAt, item) {
      const lane = laneOf(origin);
      // Room under both caps means nobody waits for it: every release starts waiting probes
      // while there is room.
      if (lane.active < perOrigin && active < concurrency) {
        lane.active++;
        active++;
        start(item);
        return;
      }
      const t = now();
      const oldest = lane.queue.oldestEnteredAt();
      const isOwed = owed(item);
      if (oldest !== undefined && t - oldest > maxWaitMs && !isOwed) {
        shed++;
        miss(item);
        return;
      }
      (isOwed ? lane.queue.owed : lane.queue.fresh).push({ windowEndsAt, enteredAt: t, item });
      waiting++;
      queued.add(lane);
      if (sweeper === null) {
        sweeper = setInterval(sweep, sweepMs);
        sweeper.unref();
      }
    },
    release(origin) {
      const lane = lanes.get(origin);
      if (lane === undefined || lane.active === 0) return;
      // Other origins' waiters can only have been held by the global cap if it was full.
      const globalWasFull = active >= concurrency;
      lane.active--;
      active--;
      const t = now();
      // This origin's own waiters first (the usual case: one busy origin), then whoever the
      // global cap held, in turn.
      drain(lane, t);
      if (!globalWasFull) return;
      for (const other of queued) {
        if (active >= concurrency) break;
        if (other !== lane) drain(other, t);
      }
    },
    get waiting() {
      return waiting;
    },
    get shed() {
      return shed;
    },
    get active() {
      return active;
    },
    abandon() {
      for (const lane of queued) {
        for (const w of lane.queue.drain()) {
          waiting--;
          miss(w.item);
        }
        if (lane.active === 0) lanes.delete(lane.origin);
      }
      queued.clear();
    },
    close() {
      if (sweeper !== null) clearInterval(sweeper);
      sweeper = null;
    },
  };
}
