/**
 * Issue 17's export benchmark: the exporter draining the same local results into PostgreSQL two
 * ways, in one run, on one server (embedded, durable settings), alternating so that the machine's
 * drift falls on both alike:
 *   - `plain`: today's export before issue 17 — a plain (unpartitioned) table, no rollups;
 *   - `fleet`: a table partitioned by day with the rollups on (the pending rows the export
 *     statement appends, then folded into the minute and hour rollups by the fold the `rollup` job
 *     runs — its time is counted).
 * The results are those of `services` services at 5 s ending now (so they land in today's
 * partitions), read from a real SQLite file by the real exporter (select, one statement per
 * batch, local mark). Goal (issue 17): fleet rows/s ≥ 0.8 × plain rows/s.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createExportSource, createJobStore, openLocalDatabase } from '../src/db/local/index.js';
import { foldRollups } from '../src/db/remote/rollup-fold.js';
import { createExporter } from '../src/export/exporter.js';
import { silentLogger } from '../src/log/logger.js';
import type { ProbeResult } from '../src/results/types.js';
import { UNMEASURED } from '../src/results/without-response.js';
import { uuidv7 } from '../src/util/uuidv7.js';
import { createDatabaseOn, startEmbeddedPostgres } from '../test/helpers/pg.js';

export interface FleetExportOptions {
  /** Results exported per run. Default 1,000,000. */
  rows?: number;
  /** Services the results belong to (each 5 s apart). Default 10,000. */
  services?: number;
  /** Runs of each variant, alternating. Default 2. */
  rounds?: number;
}

export interface FleetExportReport {
  rows: number;
  services: number;
  rounds: number;
  preloadSeconds: number;
  plain: { rowsPerSec: number[]; medianRowsPerSec: number };
  fleet: {
    /** The export alone (what an agent's export job does). */
    rowsPerSec: number[];
    medianRowsPerSec: number;
    /** The export and the fold of its pending rows, as if one process did both. */
    withFoldRowsPerSec: number[];
    medianWithFoldRowsPerSec: number;
    /** The fold's time per exported row, µs (median). */
    foldMicrosPerRow: number;
    partitions: number;
    rollupMinuteRows: number;
  };
  ratio: number;
  ratioWithFold: number;
}

const SLOT_MS = 5000;
const PRELOAD_CHUNK = 5000;

function result(i: number, services: number, start: number): ProbeResult {
  const k = i % services;
  const slot = Math.floor(i / services);
  const scheduledAt = start + slot * SLOT_MS + (k % 5000);
  const failed = (k + slot) % 50 === 0;
  const duration = 20 + ((k * 13 + slot * 7) % 400);
  return {
    id: uuidv7(),
    agent: 'bench-agent',
    serviceKey: `svc-${k}`,
    url: `https://service-${k}.example.internal:8443/health`,
    method: 'GET',
    scheduledAt,
    startedAt: scheduledAt + 1,
    finishedAt: scheduledAt + 1 + duration,
    durationMs: duration,
    statusCode: failed ? 503 : 200,
    ok: !failed,
    regexRequired: false,
    regex: null,
    regexMatched: null,
    errorClass: failed ? 'http_status' : null,
    errorMessage: null,
    bytesRead: 512,
    truncated: false,
    state: failed ? 'down' : 'up',
    ...UNMEASURED,
  };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1
    ? (s[(s.length - 1) / 2] as number)
    : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};

export async function fleetExportBench(o: FleetExportOptions = {}): Promise<FleetExportReport> {
  const rows = o.rows ?? 1_000_000;
  const services = o.services ?? 10_000;
  const rounds = o.rounds ?? 2;
  const work = mkdtempSync(join(tmpdir(), 'monitor-bench-fleet-export-'));
  const server = await startEmbeddedPostgres({ fast: false });
  const ldb = openLocalDatabase(join(work, 'local.sqlite3'));
  try {
    const span = Math.ceil(rows / services) * SLOT_MS;
    const dayStart = Math.floor(Date.now() / 86_400_000) * 86_400_000;
    // Ending now, but never before today: every row has a partition (today's or one ahead).
    const start = Math.max(Date.now() - span, dayStart);
    let t0 = performance.now();
    const store = createJobStore(ldb);
    for (let s = 0; s < rows; s += PRELOAD_CHUNK) {
      const chunk = Array.from({ length: Math.min(PRELOAD_CHUNK, rows - s) }, (_, k) =>
        result(s + k, services, start),
      );
      store.recordProbeResults(chunk.map((r) => ({ result: r, job: null })));
    }
    const preloadMs = performance.now() - t0;

    const plain: number[] = [];
    const fleet: number[] = [];
    const withFold: number[] = [];
    const foldMicros: number[] = [];
    let partitions = 0;
    let minuteRows = 0;
    for (let round = 0; round < rounds; round++) {
      for (const variant of ['plain', 'fleet'] as const) {
        ldb.sqlite.exec('UPDATE results SET exported_at = NULL');
        const url = await createDatabaseOn(server.url);
        const exporter = createExporter({
          uri: url,
          source: createExportSource(ldb),
          logger: silentLogger(),
          layout: { partition: variant === 'plain' ? 'none' : 'day' },
          rollups: variant === 'fleet',
          location: 'bench-location',
        });
        await exporter.migrate();
        let exported = 0;
        t0 = performance.now();
        while (exported < rows) {
          const out = await exporter.exportOnce();
          if (out.retryAfterMs !== null || out.exported === 0)
            throw new Error(`export stalled: ${JSON.stringify(out)}`);
          exported += out.exported;
        }
        const exportMs = performance.now() - t0;
        let foldMs = 0;
        if (variant === 'fleet') {
          const f0 = performance.now();
          await exporter.withRemote(async (c) => {
            for (;;) {
              const r = await foldRollups(c, { schema: 'public', table: 'monitoring' });
              if (!r.more) break;
            }
          });
          foldMs = performance.now() - f0;
        }
        await exporter.close();
        const c = new pg.Client({ connectionString: url });
        await c.connect();
        try {
          const n = Number((await c.query('SELECT count(*)::int AS n FROM monitoring')).rows[0].n);
          if (n !== rows) throw new Error(`${variant}: expected ${rows} rows in PostgreSQL, found ${n}`);
          if (variant === 'fleet') {
            const total = Number(
              (await c.query('SELECT coalesce(sum(total), 0)::int AS n FROM monitoring_rollup_minute'))
                .rows[0].n,
            );
            if (total !== rows)
              throw new Error(`fleet: the minute rollups count ${total} results, not ${rows}`);
            minuteRows = Number(
              (await c.query('SELECT count(*)::int AS n FROM monitoring_rollup_minute')).rows[0].n,
            );
            partitions = Number(
              (
                await c.query(
                  `SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = 'public.monitoring'::regclass`,
                )
              ).rows[0].n,
            );
          }
        } finally {
          await c.end();
        }
        const rate = Math.round((rows / exportMs) * 1000);
        if (variant === 'plain') plain.push(rate);
        else {
          fleet.push(rate);
          withFold.push(Math.round((rows / (exportMs + foldMs)) * 1000));
          foldMicros.push(+((foldMs * 1000) / rows).toFixed(2));
        }
        process.stderr.write(`[fleet-export] round ${round + 1} ${variant}: ${rate} rows/s\n`);
      }
    }
    return {
      rows,
      services,
      rounds,
      preloadSeconds: +(preloadMs / 1000).toFixed(1),
      plain: { rowsPerSec: plain, medianRowsPerSec: median(plain) },
      fleet: {
        rowsPerSec: fleet,
        medianRowsPerSec: median(fleet),
        withFoldRowsPerSec: withFold,
        medianWithFoldRowsPerSec: median(withFold),
        foldMicrosPerRow: median(foldMicros),
        partitions,
        rollupMinuteRows: minuteRows,
      },
      ratio: +(median(fleet) / median(plain)).toFixed(3),
      ratioWithFold: +(median(withFold) / median(plain)).toFixed(3),
    };
  } finally {
    ldb.close();
    await server.destroy();
    rmSync(work, { recursive: true, force: true });
  }
}
