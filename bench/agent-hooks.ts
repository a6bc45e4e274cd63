/**
 * What agentBench observes of the in-process daemon, through its hooks (src/daemon/hooks.ts):
 * which slots of the measured window the prober ran, their durations and start lags, how long each
 * local database call blocked the event loop, and, for a scenario, every probe start and every
 * result id the local database accepted. Also the stand-in exporter of the runs without PostgreSQL.
 */
import type Database from 'better-sqlite3';
import type { DaemonHooks } from '../src/daemon/hooks.js';
import { DEFAULT_EXPORT_BATCH } from '../src/export/exporter.js';
import { LagHistogram } from '../src/jobs/lag-histogram.js';
import type { Prober } from '../src/probe/types.js';
import type { ExportSource, JobStore } from '../src/queue/store.js';
import type { Scenario } from './agent.js';
import { BlockingTimes } from './blocking.js';

export class AgentCounters {
  /** The measured window, epoch ms: set when the agent starts (its start + the warm-up). */
  t0 = Number.POSITIVE_INFINITY;
  t1 = Number.POSITIVE_INFINITY;
  /** Slots of the window the prober ran (asked for, less those it wrote off as missed). */
  executed = 0;
  /** Results are deleted once exported: counted on the way instead. */
  readonly byClass: Record<string, number> = {};
  // Histograms, not arrays of every sample: the harness's memory counts in the monitor's RSS.
  readonly durations = new LagHistogram();
  readonly requestLag = new LagHistogram();
  readonly blocking = new BlockingTimes();
  private stored: Database.Statement | null = null;

  constructor(
    private readonly warmupMs: number,
    private readonly windowMs: number,
    private readonly scenario: Scenario | undefined,
  ) {}

  hooks(): DaemonHooks {
    return {
      jobStore: (real) => this.timedStore(real),
      exportSource: (real) => this.timedSource(real),
      prober: (real) => this.countingProber(real),
      step: (name, run) =>
        this.blocking.time(name === 'collect slice' ? 'collect (one slice)' : 'buffer limit check', run),
      started: ({ ldb }) => {
        this.t0 = Date.now() + this.warmupMs;
        this.t1 = this.t0 + this.windowMs;
        this.stored = ldb.sqlite.prepare('SELECT 1 FROM results WHERE id = ?');
      },
    };
  }

  /** The export source's reads and marks, timed (the real exporter's and the stand-in's). */
  timedSource(real: ExportSource): ExportSource {
    return {
      selectUnexported: this.blocking.wrap('export: select', (limit: number, afterId?: string) =>
        real.selectUnexported(limit, afterId),
      ),
      markExported: this.blocking.wrap('export: mark', (ids: readonly string[], at: number) =>
        real.markExported(ids, at),
      ),
      setAside: (id, reason, at, sqlstate) => real.setAside(id, reason, at, sqlstate),
      countUnexported: () => real.countUnexported(),
    };
  }

  private timedStore(real: JobStore): JobStore {
    const t = this.blocking;
    return {
      enqueue: t.wrap('enqueue', (j) => real.enqueue(j)),
      claim: t.wrap('claim', (o) => real.claim(o)),
      complete: t.wrap('complete', (r) => real.complete(r)),
      fail: t.wrap('fail', (r, e, at, now) => real.fail(r, e, at, now)),
      release: t.wrap('release', (r) => real.release(r)),
      renewOwn: (since, until) => real.renewOwn(since, until),
      setRecordHook: (h) => real.setRecordHook(h),
      finishDelivery: (r, d, at) => real.finishDelivery(r, d, at),
      requeueAbandoned: (k, now) => real.requeueAbandoned(k, now),
      recordProbeResults: t.wrap('recordProbeResults', (items) => {
        const n = real.recordProbeResults(items);
        if (this.scenario?.onResultsWritten && n > 0) {
          // A stale job token keeps a result out: then ask the database which ones it kept.
          const ids = items.map((i) => i.result.id);
          this.scenario.onResultsWritten(
            n === items.length ? ids : ids.filter((id) => this.stored?.get(id) !== undefined),
          );
        }
        return n;
      }),
    };
  }

  private countingProber(real: Prober): Prober {
    return {
      probe: (service, opts) => {
        this.scenario?.onProbeStart?.(opts.scheduledAt, Date.now());
        if (opts.scheduledAt < this.t0 || opts.scheduledAt >= this.t1) return real.probe(service, opts);
        this.executed++;
        return real.probe(service, opts).then((r) => {
          if (r.errorClass === 'missed') this.executed--;
          // When the request really started (in the probe worker), not when the runner handed it over.
          if (r.startedAt !== null) this.requestLag.record(r.startedAt - opts.scheduledAt);
          const cls = r.errorClass ?? 'none';
          this.byClass[cls] = (this.byClass[cls] ?? 0) + 1;
          if (r.durationMs !== null) this.durations.record(r.durationMs);
          return r;
        });
      },
      close: () => real.close(),
    };
  }
}

/**
 * A stand-in for PostgreSQL, beside the daemon (which has no external database then): every
 * second, as the real exporter does, the oldest results are selected and, after one loop turn (the
 * remote insert), marked exported through `source`, again at once while batches come back full.
 * So collect deletes them and the local database stays the size it has in a healthy deployment.
 * Returns its stop (waits for a batch in flight).
 */
export function startStandInExport(source: ExportSource): () => Promise<void> {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();
  const batches = async () => {
    for (let full = true; full && !stopped; ) {
      const rows = source.selectUnexported(DEFAULT_EXPORT_BATCH);
      await new Promise((r) => setImmediate(r));
      source.markExported(
        rows.map((r) => r.id),
        Date.now(),
      );
      full = rows.length === DEFAULT_EXPORT_BATCH;
    }
  };
  const tick = () => {
    current = batches().finally(() => {
      if (!stopped) timer = setTimeout(tick, 1000);
    });
  };
  timer = setTimeout(tick, 1000);
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await current;
  };
}
