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
 */

import { Fifo } from '../jobs/queues.js';

export interface RequestGateOptions {
  /** Requests in flight per origin (the config's runner.per_origin). Default 16. */
  perOrigin?: number;
  /** Requests in flight in all (the config's runner.concurrency). Default 512. */
  concurrency?: number;
  /** How often waiting probes are checked for an ended window. Default 100 ms. */
  sweepMs?: number;
  /** Clock, epoch ms. Default Date.now. */
  now?: () => number;
}

interface Waiting {
  windowEndsAt: number;
  start: () => void;
  miss: () => void;
}

interface Lane {
  origin: string;
  active: number;
  queue: Fifo<Waiting>;
}

export interface RequestGate {
  /**
   * Calls `start` now if both caps leave room, else when they do, or `miss` if `windowEndsAt`
   * passes first. Whatever `start` launches must call `release(origin)` once it is done.
   */
  enter(origin: string, windowEndsAt: number, start: () => void, miss: () => void): void;
  release(origin: string): void;
  /** Probes waiting for a slot. */
  readonly waiting: number;
  /** Requests started and not yet released. */
  readonly active: number;
  /** Every waiting probe is answered with its `miss` now (shutdown: they never started). */
  abandon(): void;
  close(): void;
}

export function createRequestGate(options: RequestGateOptions = {}): RequestGate {
  const perOrigin = options.perOrigin ?? 16;
  const concurrency = options.concurrency ?? 512;
  const sweepMs = options.sweepMs ?? 100;
  const now = options.now ?? Date.now;
  const lanes = new Map<string, Lane>();
  /** Lanes with waiting probes, in turn order (a lane that starts one moves to the back). */
  const queued = new Set<Lane>();
  let active = 0;
  let waiting = 0;
  let sweeper: NodeJS.Timeout | null = null;

  function laneOf(origin: string): Lane {
    let lane = lanes.get(origin);
    if (lane === undefined) {
      lane = { origin, active: 0, queue: new Fifo<Waiting>() };
      lanes.set(origin, lane);
    }
    return lane;
  }

  function forgetIfIdle(lane: Lane): void {
    if (lane.queue.length > 0) return;
    queued.delete(lane);
    if (lane.active === 0) lanes.delete(lane.origin);
  }

  /** Starts waiting probes of `lane` while both caps allow; those past their window are missed. */
  function drain(lane: Lane, t: number): void {
    while (lane.queue.length > 0 && lane.active < perOrigin && active < concurrency) {
      const w = lane.queue.shift()!;
      waiting--;
      if (t >= w.windowEndsAt) {
        w.miss();
        continue;
      }
      lane.active++;
      active++;
      w.start();
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
        w.miss();
      }
      forgetIfIdle(lane);
    }
    if (waiting === 0 && sweeper !== null) {
      clearInterval(sweeper);
      sweeper = null;
    }
  }

  return {
    enter(origin, windowEndsAt, start, miss) {
      const lane = laneOf(origin);
      // Room under both caps means nobody waits for it: every release starts waiting probes
      // while there is room.
      if (lane.active < perOrigin && active < concurrency) {
        lane.active++;
        active++;
        start();
        return;
      }
      lane.queue.push({ windowEndsAt, start, miss });
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
      lane.active--;
      active--;
      const t = now();
      // This origin's own waiters first (the usual case: one busy origin), then whoever the
      // global cap held, in turn.
      drain(lane, t);
      for (const other of queued) {
        if (active >= concurrency) break;
        if (other !== lane) drain(other, t);
      }
    },
    get waiting() {
      return waiting;
    },
    get active() {
      return active;
    },
    abandon() {
      for (const lane of queued) {
        for (const w of lane.queue.drain()) {
          waiting--;
          w.miss();
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
