import type { HealthSource } from './health.js';
import { createHealthRegistry, renderStartLag } from './health-metrics.js';
import type { LastResult, LastResults } from './metrics-hook.js';
import {
  renderServiceLines,
  SERVICE_FAMILY_COUNT,
  ServiceLabels,
  serviceFamilyHeader,
} from './service-metrics.js';

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export interface MetricsOptions {
  /** A rendered text is served again for this long: scrapes in a burst cost one render. Default 1000 ms. */
  cacheMs?: number;
  /** Leave URLs out of the labels (public mode). Default false. */
  hideUrls?: boolean;
  /** Clock, epoch ms. Default Date.now. */
  now?: () => number;
}

/**
 * /metrics: the monitor's health (prom-client registry) and the per-service families (from the
 * last results), rendered at most once per `cacheMs`; concurrent scrapes share one render.
 */
export class MetricsText {
  private readonly health;
  private readonly labels: ServiceLabels;
  private readonly cacheMs: number;
  private readonly now: () => number;
  private cached: { at: number; body: Buffer } | null = null;
  private rendering: Promise<Buffer> | null = null;
  /** Main-thread time of the last render, ms (the slices summed; for the benchmark and tests). */
  lastRenderMs = 0;
  /** The longest single stretch of main thread in the last render, ms. */
  lastLongestSliceMs = 0;

  constructor(
    private readonly last: LastResults,
    source: HealthSource,
    options: MetricsOptions = {},
  ) {
    this.health = createHealthRegistry(source);
    this.labels = new ServiceLabels(options.hideUrls ?? false);
    this.cacheMs = options.cacheMs ?? 1000;
    this.now = options.now ?? Date.now;
  }

  body(): Promise<Buffer> {
    const c = this.cached;
    if (c && this.now() - c.at < this.cacheMs) return Promise.resolve(c.body);
    this.rendering ??= this.render().finally(() => {
      this.rendering = null;
    });
    return this.rendering;
  }

  /** Services no longer configured lose their series (on reload). */
  retain(keys: ReadonlySet<string>): void {
    this.last.retain(keys);
    this.labels.retain(keys);
    this.cached = null;
  }

  /**
   * A slice of SLICE_SERVICES services of one family at a time, with a turn of the event loop
   * between slices, so that a render at 10,000 services holds the probes' timers for a few ms at
   * a time, never for the whole text. Each slice is encoded to bytes at once: flattening and
   * encoding one large string per family was most of a render's time (measured: 20-27 ms for the
   * 60,000 lines of monitor_probe_duration_seconds alone).
   */
  private async render(): Promise<Buffer> {
    let busyMs = 0;
    let longestMs = 0;
    const timed = <T>(f: () => T): T => {
      const t0 = performance.now();
      const v = f();
      const d = performance.now() - t0;
      busyMs += d;
      if (d > longestMs) longestMs = d;
      return v;
    };
    const h = timed(() => this.health.refresh());
    // prom-client's metrics() is async by signature only (sync collect callbacks, microtasks):
    // the wait is main-thread time too.
    const t0 = performance.now();
    const healthText = await this.health.registry.metrics();
    busyMs += performance.now() - t0;
    const parts = [timed(() => Buffer.from(healthText + renderStartLag(h.startLag), 'utf8'))];
    const entries = [...this.last.values()];
    const labels = new Array<string>(entries.length);
    for (let from = 0; from < entries.length; from += SLICE_SERVICES) {
      const to = Math.min(entries.length, from + SLICE_SERVICES);
      timed(() => {
        for (let i = from; i < to; i++) labels[i] = this.labels.of(entries[i] as LastResult);
      });
      await turn();
    }
    for (let f = 0; f < SERVICE_FAMILY_COUNT; f++) {
      parts.push(Buffer.from(serviceFamilyHeader(f), 'utf8'));
      for (let from = 0; from < entries.length; from += SLICE_SERVICES) {
        const to = Math.min(entries.length, from + SLICE_SERVICES);
        parts.push(timed(() => Buffer.from(renderServiceLines(f, entries, labels, from, to), 'utf8')));
        await turn();
      }
    }
    const body = timed(() => Buffer.concat(parts));
    this.lastRenderMs = busyMs;
    this.lastLongestSliceMs = longestMs;
    this.cached = { at: this.now(), body };
    return body;
  }
}

/** Services per slice of a render: ~2-5 ms of main thread each at 10,000 services here. */
const SLICE_SERVICES = 1000;

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
