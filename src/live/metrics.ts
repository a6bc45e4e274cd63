import type { HealthSource } from './health.js';
import { createHealthRegistry, renderStartLag } from './health-metrics.js';
import type { LastResults } from './metrics-hook.js';
import { renderServiceFamily, SERVICE_FAMILY_COUNT, ServiceLabels } from './service-metrics.js';

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
   * One family at a time with a turn of the event loop between them, so that a render at 10,000
   * services holds the probes' timers for a slice, never for the whole text.
   */
  private async render(): Promise<Buffer> {
    let busyMs = 0;
    const timed = <T>(f: () => T): T => {
      const t0 = performance.now();
      const v = f();
      busyMs += performance.now() - t0;
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
    const labels = timed(() => entries.map((e) => this.labels.of(e)));
    for (let i = 0; i < SERVICE_FAMILY_COUNT; i++) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      parts.push(timed(() => Buffer.from(renderServiceFamily(i, entries, labels), 'utf8')));
    }
    const body = timed(() => Buffer.concat(parts));
    this.lastRenderMs = busyMs;
    this.cached = { at: this.now(), body };
    return body;
  }
}
