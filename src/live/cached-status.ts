import { singleFlight } from '../util/single-flight.js';
import type { LiveService } from './status-source.js';
import type { StatusWorker } from './status-worker-client.js';

/**
 * What the /api routes and the page route serve: bytes made off the main thread. A rejection means
 * the live view cannot answer now (the routes send 503).
 */
export interface LiveAnswers {
  /** The JSON of GET /api/status. */
  status(): Promise<Buffer>;
  /** The HTML of GET /. */
  page(): Promise<Buffer>;
  /** The JSON of a service's history; null for an unknown service. */
  history(key: string, from: number, to: number, step: number): Promise<Buffer | null>;
  /** A reload: answers computed from now on have these services (nothing cached is served). */
  setServices(services: readonly LiveService[]): void;
}

/**
 * An answer computed at most once per `ttlMs`, whoever asks: calls while it is being computed
 * share that computation (single flight), calls within ttlMs of its start get its result.
 * invalidate() drops both: the next call computes afresh, and a computation still running then is
 * not kept. A failure is not kept either.
 */
export function cachedAnswer<T>(compute: () => Promise<T>, ttlMs: number, now: () => number = Date.now) {
  let generation = 0;
  let last: { generation: number; at: number; value: T } | null = null;
  const flight = () => {
    const g = generation;
    return singleFlight(async () => {
      const at = now();
      const value = await compute();
      if (g === generation) last = { generation: g, at, value };
      return value;
    });
  };
  let current = flight();
  return {
    get(): Promise<T> {
      if (last !== null && last.generation === generation && now() - last.at < ttlMs) {
        return Promise.resolve(last.value);
      }
      return current();
    },
    invalidate(): void {
      generation++;
      last = null;
      current = flight();
    },
  };
}

/**
 * The status worker's answers, the status JSON and the page each computed at most once per
 * `ttlMs`: every open page polls /api/status every 5 s, and at 10,000 services one computation is
 * ~0.15 s (0.6 s when the finished hours are read again) of the worker's thread and 3.3 MB of JSON.
 * Default 2 s, under the page's 5 s refresh. History is asked for each time (one service's rows).
 */
export function cachedAnswers(
  worker: StatusWorker,
  ttlMs = 2_000,
  now: () => number = Date.now,
): LiveAnswers {
  const bytes = async (type: 'status' | 'page'): Promise<Buffer> => {
    const b = await worker.ask({ type });
    if (b === null) throw new Error(`the live view worker sent no ${type}`);
    return b;
  };
  const status = cachedAnswer(() => bytes('status'), ttlMs, now);
  const page = cachedAnswer(() => bytes('page'), ttlMs, now);
  return {
    status: () => status.get(),
    page: () => page.get(),
    history: (key, from, to, step) => worker.ask({ type: 'history', key, from, to, step }),
    setServices(services) {
      worker.setServices(services);
      status.invalidate();
      page.invalidate();
    },
  };
}
