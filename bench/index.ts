/**
 * `npm run bench -- [name…] [--services N] [--seconds N] [--warmup N] [--concurrency N] [--per-origin N]`
 * Runs the named benchmarks (default: agent), writes bench/results/<name>.json and
 * bench/results/README.md, and prints the Markdown.
 *   agent   N services (default 2000) at 5 s through the real agent, SQLite and prober
 *           (--local-export 0: no stand-in exporter, results pile up locally;
 *            --postgres 1: the real exporter into an embedded PostgreSQL, with export lag)
 *   raw     a bare undici loop against the same target: the limit the agent is compared with
 *   max     services raised until executed < 99.9 % or lag p99 > 250 ms (--from --step --to)
 *   export  the PostgreSQL export benchmark (bench/export.ts; --rows, --batch-size)
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { agentBench } from './agent.js';
import { maxBench } from './max.js';
import { rawBench } from './raw.js';
import { asBenchResult, type BenchResult, saveResult } from './result.js';

type Runner = (opts: Record<string, number>) => Promise<BenchResult>;

const benches: Record<string, Runner> = {
  agent: (o) =>
    agentBench({
      services: o['services'],
      seconds: o['seconds'],
      warmupSeconds: o['warmup'],
      concurrency: o['concurrency'],
      perOrigin: o['per-origin'],
      intervalMs: o['interval-ms'],
      localExport: o['local-export'] === undefined ? undefined : o['local-export'] !== 0,
      postgres: o['postgres'] === 1,
      name: `${o['services'] !== undefined && o['services'] !== 2000 ? `agent-${o['services']}` : 'agent'}${
        o['postgres'] === 1 ? '-pg' : ''
      }`,
    }),
  raw: (o) =>
    rawBench({ concurrency: o['concurrency'], connections: o['per-origin'], seconds: o['seconds'] }),
  max: (o) =>
    maxBench({
      from: o['from'],
      step: o['step'],
      to: o['to'],
      seconds: o['seconds'],
      concurrency: o['concurrency'],
      perOrigin: o['per-origin'],
    }),
  export: async (o) => {
    // Written by the PostgreSQL engineer; loaded by name so this file builds without it.
    const spec = './export.js';
    let mod: { exportBench?: (o: { rows?: number; batchSize?: number }) => Promise<unknown> };
    try {
      mod = (await import(spec)) as typeof mod;
    } catch (e: unknown) {
      throw new Error(`the export benchmark is not available: ${(e as Error).message}`);
    }
    if (typeof mod.exportBench !== 'function') throw new Error('bench/export.ts does not export exportBench');
    return asBenchResult('export', await mod.exportBench({ rows: o['rows'], batchSize: o['batch-size'] }));
  },
};

function parseArgs(argv: readonly string[]): { names: string[]; opts: Record<string, number> } {
  const names: string[] = [];
  const opts: Record<string, number> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--')) {
      const [key, inline] = a.slice(2).split('=', 2) as [string, string | undefined];
      const value = inline ?? argv[++i];
      const n = Number(value);
      if (!Number.isFinite(n)) throw new Error(`--${key} needs a number, got ${String(value)}`);
      opts[key] = n;
    } else names.push(a);
  }
  return { names: names.length > 0 ? names : ['agent'], opts };
}

async function main(): Promise<number> {
  const { names, opts } = parseArgs(process.argv.slice(2));
  const unknown = names.filter((n) => !(n in benches));
  if (unknown.length > 0) {
    process.stderr.write(
      `unknown benchmark(s): ${unknown.join(', ')}; known: ${Object.keys(benches).join(', ')}\n`,
    );
    return 2;
  }
  const dir = fileURLToPath(new URL('../../bench/results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  let failed = 0;
  let md = '';
  for (const name of names) {
    try {
      const result = await benches[name]!(opts);
      md = saveResult(dir, result);
    } catch (e: unknown) {
      failed++;
      process.stderr.write(`bench ${name} failed: ${(e as Error).stack ?? String(e)}\n`);
    }
  }
  if (md) process.stdout.write(md);
  return failed > 0 ? 1 : 0;
}

process.exitCode = await main();
