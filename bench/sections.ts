/**
 * The sections of `npm run bench` (issue 6), each with its full-size inputs and a `--quick`
 * variant (shorter, smaller: a smoke run, not a measurement). Options given on the command line
 * override both.
 */
import { cpus } from 'node:os';
import { agentBench } from './agent.js';
import { alertsBench } from './alerts.js';
import { conditionsBench } from './conditions.js';
import { exportBench } from './export.js';
import { fleetExportSection, fleetQuerySection } from './fleet-sections.js';
import { liveBench } from './live.js';
import { maxBench } from './max.js';
import { outageBench } from './outage.js';
import { outageProcessBench } from './outage-process.js';
import { overloadBench } from './overload.js';
import { proberLoopBench } from './prober-loop.js';
import { rawBench } from './raw.js';
import type { BenchResult, Scalar } from './result.js';
import { steadyBench } from './steady.js';

export type Options = Record<string, number>;
export type Section = (o: Options, quick: boolean) => Promise<BenchResult>;

/** `o[key]` when given, else the full or quick default. */
const pick = (o: Options, key: string, full: number, quick: number, isQuick: boolean): number =>
  o[key] ?? (isQuick ? quick : full);

export const sections: Record<string, Section> = {
  raw: async (o, q) => {
    const r = await rawBench({
      concurrency: o['concurrency'],
      connections: o['per-origin'],
      origins: pick(o, 'origins', 32, 32, q),
      seconds: pick(o, 'seconds', 20, 5, q),
    });
    return { ...r, title: 'the limit: a bare undici loop against the target (same caps as the runner)' };
  },
  seed: (o, q) =>
    steadyBench(
      'seed',
      `the original's load: ${o['services'] ?? 300} services at 5 s (monitor start, export on)`,
      {
        services: o['services'] ?? 300,
        seconds: pick(o, 'seconds', 60, 15, q),
        warmupSeconds: pick(o, 'warmup', 10, 3, q),
        origins: o['origins'],
        postgres: true,
      },
    ),
  '10k': (o, q) => {
    const services = pick(o, 'services', 10_000, 500, q);
    return steadyBench(
      '10k',
      `${services.toLocaleString('en-US')} services at 5 s, monitor start exporting to a local PostgreSQL`,
      {
        services,
        seconds: pick(o, 'seconds', 120, 20, q),
        // Past the collect grace (5 s) and a few collects, so the database's size is the steady one.
        warmupSeconds: pick(o, 'warmup', 10, 5, q),
        origins: o['origins'],
        postgres: true,
      },
    );
  },
  '10k-conditions': (o, q) =>
    conditionsBench({
      services: pick(o, 'services', 10_000, 500, q),
      seconds: pick(o, 'seconds', 120, 20, q),
      warmupSeconds: pick(o, 'warmup', 10, 5, q),
      origins: o['origins'],
    }),
  /** Not in DEFAULT_SECTIONS: two 10k runs and a burst (~6 min) on top of a default bench already long. */
  '10k-alerts': (o, q) =>
    alertsBench({
      services: pick(o, 'services', 10_000, 500, q),
      seconds: pick(o, 'seconds', 120, 20, q),
      warmupSeconds: pick(o, 'warmup', 10, 5, q),
      burst: pick(o, 'burst', 1000, 100, q),
      burstLimitSeconds: pick(o, 'burst-limit', 120, 60, q),
    }),
  /** Not in DEFAULT_SECTIONS: two 10k runs (~5 min), asked for by name (issue 16). */
  '10k-live': (o, q) =>
    liveBench({
      services: pick(o, 'services', 10_000, 500, q),
      seconds: pick(o, 'seconds', 120, 20, q),
      warmupSeconds: pick(o, 'warmup', 10, 5, q),
      origins: o['origins'],
    }),
  max: (o, q) =>
    maxBench({
      from: pick(o, 'from', 10_000, 500, q),
      step: pick(o, 'step', 5000, 500, q),
      to: pick(o, 'to', 80_000, 1000, q),
      seconds: pick(o, 'seconds', 20, 10, q),
      concurrency: o['concurrency'],
      perOrigin: o['per-origin'],
      origins: o['origins'],
    }),
  overload: (o, q) =>
    overloadBench({
      capacity: o['capacity'],
      seconds: pick(o, 'seconds', 60, 15, q),
      warmupSeconds: pick(o, 'warmup', 10, 3, q),
      origins: o['origins'],
      search: {
        from: pick(o, 'from', 5000, 1000, q),
        step: pick(o, 'step', 5000, 1000, q),
        to: pick(o, 'to', 80_000, 2000, q),
        seconds: pick(o, 'search-seconds', 10, 10, q),
      },
    }),
  export: async (o, q) => exportSection(pick(o, 'rows', 1_000_000, 50_000, q), o['batch-size']),
  'fleet-export': (o, q) =>
    fleetExportSection(
      pick(o, 'rows', 1_000_000, 100_000, q),
      pick(o, 'services', 10_000, 2_000, q),
      pick(o, 'rounds', 2, 1, q),
    ),
  'fleet-query': (o, q) =>
    fleetQuerySection(pick(o, 'rows', 50_000_000, 1_000_000, q), pick(o, 'services', 1_000, 200, q)),
  outage: (o, q) =>
    outageProcessBench({
      services: pick(o, 'services', 10_000, 500, q),
      warmupSeconds: pick(o, 'warmup', 10, 3, q),
      origins: o['origins'],
      beforeSeconds: pick(o, 'before', 30, 3, q),
      outageSeconds: pick(o, 'outage', 60, 8, q),
      drainLimitSeconds: pick(o, 'drain-limit', 90, 12, q),
      afterSeconds: pick(o, 'after', 70, 12, q),
    }),
  /** Ad hoc, in-process (runDaemon in the bench's process): the outage of issue 6. */
  'outage-agent': async (o, q) => ({
    ...(await outageBench({
      services: pick(o, 'services', 10_000, 2000, q),
      warmupSeconds: pick(o, 'warmup', 15, 12, q),
      origins: o['origins'],
      beforeSeconds: pick(o, 'before', 30, 5, q),
      outageSeconds: pick(o, 'outage', 60, 10, q),
      drainLimitSeconds: pick(o, 'drain-limit', 90, 30, q),
      afterSeconds: pick(o, 'after', 70, 20, q),
    })),
    // Its own file: `outage` is the monitor start run.
    name: 'outage-agent',
  }),
  /** Ad hoc, in-process (for profiling): N services (default 2000) through runDaemon in this process. */
  agent: (o) =>
    agentBench({
      services: o['services'],
      seconds: o['seconds'],
      warmupSeconds: o['warmup'],
      concurrency: o['concurrency'],
      perOrigin: o['per-origin'],
      origins: o['origins'],
      intervalMs: o['interval-ms'],
      localExport: o['local-export'] === undefined ? undefined : o['local-export'] !== 0,
      postgres: o['postgres'] === 1,
      name: `${o['services'] !== undefined && o['services'] !== 2000 ? `agent-${o['services']}` : 'agent'}${
        o['postgres'] === 1 ? '-pg' : ''
      }`,
    }),
  /** Ad hoc: the prober alone in a closed loop (in-thread and threaded) vs a bare undici loop. */
  prober: (o, q) =>
    proberLoopBench({
      seconds: pick(o, 'seconds', 10, 3, q),
      concurrency: o['concurrency'],
      perOrigin: o['per-origin'],
      origins: o['origins'],
    }),
};

/** What `npm run bench` runs without names, in this order. */
export const DEFAULT_SECTIONS = [
  'raw',
  'seed',
  '10k',
  '10k-conditions',
  'max',
  'overload',
  'export',
  'fleet-export',
  'fleet-query',
  'outage',
];

interface ExportReport {
  rows: number;
  batchSize: number;
  batches: number;
  postgres: string;
  preloadSeconds: number;
  exporter: { seconds: number; rowsPerSec: number };
  copy: { seconds: number; rowsPerSec: number };
  copy_staging: { seconds: number; rowsPerSec: number };
  ratioToCopy: number;
}

async function exportSection(rows: number, batchSize: number | undefined): Promise<BenchResult> {
  const r = (await exportBench({ rows, batchSize })) as ExportReport;
  const figures: Record<string, Scalar> = {
    exporterRowsPerSec: r.exporter.rowsPerSec,
    exporterSeconds: r.exporter.seconds,
    copyRowsPerSec: r.copy.rowsPerSec,
    copySeconds: r.copy.seconds,
    copyStagingRowsPerSec: r.copy_staging.rowsPerSec,
    ratioToCopy: r.ratioToCopy,
  };
  return {
    name: 'export',
    title: `the exporter draining ${rows.toLocaleString('en-US')} local results vs COPY of the same rows`,
    at: new Date().toISOString(),
    inputs: {
      rows: r.rows,
      batchSize: r.batchSize,
      batches: r.batches,
      postgres: r.postgres,
      preloadSeconds: r.preloadSeconds,
      copy: 'server-side COPY FROM a CSV file of the same rows into an identical table, same run',
      copyStaging: 'COPY into a temp table, then INSERT … ON CONFLICT DO NOTHING',
      cpus: cpus().length,
      node: process.version,
    },
    figures,
    goals: [
      {
        figure: 'exporterRowsPerSec',
        goal: '≥ 50,000 rows/s (issue 4)',
        pass: r.exporter.rowsPerSec >= 50_000,
      },
      { figure: 'ratioToCopy', goal: '≥ 0.5 (issue 4)', pass: r.ratioToCopy >= 0.5 },
    ],
  };
}
