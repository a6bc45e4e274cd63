import { AbortedError } from '../errors.js';
import { SHUTDOWN_ABORT } from './classify.js';
import type { Deadline } from './deadline.js';

const noop = () => {};

/**
 * One listener per shutdown signal, fanned out to the probes in flight: a listener per probe on
 * the runner's shared signal would be hundreds at once (and Node's leak warning).
 */
export class ShutdownFanout {
  private readonly watchers = new WeakMap<AbortSignal, Set<Deadline>>();

  watch(signal: AbortSignal, controller: Deadline): () => void {
    if (signal.aborted) {
      controller.abort(new AbortedError(SHUTDOWN_ABORT));
      return noop;
    }
    let set = this.watchers.get(signal);
    if (!set) {
      const inFlight = new Set<Deadline>();
      set = inFlight;
      this.watchers.set(signal, inFlight);
      signal.addEventListener(
        'abort',
        () => {
          for (const c of inFlight) c.abort(new AbortedError(SHUTDOWN_ABORT));
          inFlight.clear();
        },
        { once: true },
      );
    }
    const watched = set;
    watched.add(controller);
    return () => watched.delete(controller);
  }
}
