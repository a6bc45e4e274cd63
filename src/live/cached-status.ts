import type { StatusSource } from './types.js';

/**
 * A StatusSource whose status() is computed at most once per `ttlMs`: at 10,000 services one
 * computation holds the daemon's event loop ~0.1 s (src/live/status-source.ts), and every open page
 * and `monitor status --watch` polls it. Default 2 s, under the page's 5 s refresh.
 */
export function cachedStatus(
  source: StatusSource,
  ttlMs = 2_000,
  now: () => number = Date.now,
): StatusSource {
  let at = Number.NEGATIVE_INFINITY;
  let last: ReturnType<StatusSource['status']> = [];
  return {
    status() {
      const t = now();
      if (t - at >= ttlMs) {
        last = source.status();
        at = t;
      }
      return last;
    },
    history: (key, from, to, step) => source.history(key, from, to, step),
  };
}
