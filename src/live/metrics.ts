import type { HealthSource } from './health.js';
import { createHealthRegistry, renderStartLag } from './health-metrics.js';
import type { LastResults } from './metrics-hook.js';
import { renderServiceFamilies, ServiceLabels } from './service-metrics.js';

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
  /** Main-thread time of the last render, ms (for the benchmark and the log). */
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

  private async render(): Promise<Buffer> {
    const t0 = performance.now();
    const h = this.health.refresh();
    // prom-client's metrics() is async only by signature: its collect callbacks here are sync.
    const healthText = await this.health.registry.metrics();
    const t1 = performance.now();
    const text =
      healthText + renderStartLag(h.startLag) + renderServiceFamilies([...this.last.values()], this.labels);
    const body = Buffer.from(text, 'utf8');
    this.lastRenderMs = t1 - t0 + (performance.now() - t1);
    this.cached = { at: this.now(), body };
    return body;
  }
}
