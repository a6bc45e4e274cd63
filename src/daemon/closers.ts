import { toError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { withTimeout } from './stop-latch.js';

interface Closer {
  name: string;
  close: () => unknown;
  /** Longest wait for it; undefined = as long as it takes (the drain brings its own bound). */
  boundMs: number | undefined;
}

/**
 * What the daemon acquired (lock, databases, workers, timers, listeners), released in the reverse
 * order of acquisition by one call in `finally`, whether start-up failed half-way or a stop was
 * asked for. A closer that throws or overruns its bound is logged and the next one still runs.
 */
export class Closers {
  private readonly list: Closer[] = [];

  constructor(private readonly log: Logger) {}

  /** Registers `close` to run at shutdown; returns `value` so acquisition reads as one line. */
  add<T>(value: T, name: string, close: (value: T) => unknown, boundMs?: number): T {
    this.list.push({ name, close: () => close(value), boundMs });
    return value;
  }

  async closeAll(): Promise<void> {
    for (let c = this.list.pop(); c !== undefined; c = this.list.pop()) {
      try {
        const p = Promise.resolve(c.close());
        await (c.boundMs === undefined ? p : withTimeout(p, c.boundMs));
      } catch (err) {
        this.log.error({ module: 'monitoring', err: toError(err).message }, `closing ${c.name} failed`);
      }
    }
  }
}
