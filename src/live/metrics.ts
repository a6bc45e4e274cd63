import type { HealthSource } from './health.js';
import { createHealthRegistry, renderStartLag } from './health-metrics.js';
import type { LastResult, LastResults } from './metrics-hook.js';
import { familyHeader, renderServiceLines, SERVICE_FAMILY_COUNT, ServiceLabels } from './service-metrics.js';

/**
 * After a scrape, each service's lines are made as its results commit (≤ 25 µs a result, measured cold at 10,000), so the
 * next scrape only copies bytes; with no scrape for this long, that stops. 5 minutes: longer than
 * any sane scrape interval.
 */
const PRERENDER_AFTER_SCRAPE_MS = 5 * 60_000;

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
  /**
   * Each service's lines, rendered when its result is committed rather than at the scrape: the
   * same work, spread over the result batches instead of one block of the event loop per scrape
   * (a scrape of 10,000 services was 145–217 ms of main thread rendering them all at once).
   */
  private readonly lines = new Map<string, { result: LastResult['result']; lines: Buffer[] }>();
  private scrapedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly last: LastResults,
    source: HealthSource,
    options: MetricsOptions = {},
  ) {
    this.health = createHealthRegistry(source);
    this.labels = new ServiceLabels(options.hideUrls ?? false);
    // Only while someone scrapes: a monitor nobody scrapes pays nothing per result.
    last.onSet((e) => {
      if (this.now() - this.scrapedAt < PRERENDER_AFTER_SCRAPE_MS) this.linesOf(e);
    });
    this.cacheMs = options.cacheMs ?? 1000;
    this.now = options.now ?? Date.now;
  }

  body(): Promise<Buffer> {
    this.scrapedAt = this.now();
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
    for (const key of this.lines.keys()) if (!keys.has(key)) this.lines.delete(key);
    this.cached = null;
  }

  /**
   * Kept as bytes: a scrape then only copies them (Buffer.concat), where joining 100,000 template
   * strings and encoding the result still cost ~195 ms at 10,000 services.
   */
  private linesOf(e: LastResult): Buffer[] {
    const had = this.lines.get(e.result.serviceKey);
    if (had !== undefined && had.result === e.result) return had.lines;
    // One allocation per service: its families' lines in one buffer, each family a view of it.
    const texts = renderServiceLines(e, this.labels.of(e));
    const all = Buffer.from(texts.join(''), 'utf8');
    const lines: Buffer[] = [];
    let at = 0;
    for (const t of texts) {
      const n = Buffer.byteLength(t, 'utf8');
      lines.push(all.subarray(at, at + n));
      at += n;
    }
    this.lines.set(e.result.serviceKey, { result: e.result, lines });
    return lines;
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
    const lines = timed(() => Array.from(this.last.values(), (e) => this.linesOf(e)));
    for (let i = 0; i < SERVICE_FAMILY_COUNT; i++) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      parts.push(
        timed(() => {
          const family: Buffer[] = [Buffer.from(familyHeader(i), 'utf8')];
          for (const l of lines) family.push(l[i] as Buffer);
          return Buffer.concat(family);
        }),
      );
    }
    const body = timed(() => Buffer.concat(parts));
    this.lastRenderMs = busyMs;
    this.cached = { at: this.now(), body };
    return body;
  }
}
