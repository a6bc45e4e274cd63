/**
 * `npm run bench -- [section…] [--quick] [--services N] [--seconds N] …`
 * Without sections, runs in order: raw, seed, 10k, 10k-conditions, max, overload, export, outage.
 * Each writes bench/results/<name>.json; bench/results/README.md is rebuilt from every JSON there
 * (a goals table, then each section with its inputs) and printed at the end.
 *
 * What users run is `monitor start`, so the sections with goals run exactly that, in a process of
 * its own (bench/daemon-process.ts), with a generated config (bench/monitor-config.ts), and measure
 * it from outside (bench/monitor-run.ts): arrivals at a recording target (bench/target-server.ts)
 * give on time and the gap deviation (bench/gaps.ts); /proc gives its CPU and RSS
 * (bench/proc-stats.ts); PostgreSQL (bench/remote-rows.ts) or the local SQLite read read-only after
 * it exited (bench/local-rows.ts) give the rows, duplicates and `missed` slots.
 *   seed      [monitor start] 300 services at 5 s for 60 s, export to an embedded PostgreSQL
 *   10k       [monitor start] 10,000 services at 5 s for 120 s, export to an embedded PostgreSQL
 *   10k-conditions  [monitor start] the 10k run twice, back to back: plain, then three conditions
 *             per service (status, JSON path, latency); CPU and start lag p99 ratios (issue 14)
 *   10k-alerts  [monitor start] the 10k run twice: plain, then alerting to a local webhook receiver
 *             with 1 % of services flapping (CPU, start lag, on time side by side), then one origin
 *             of --burst services (1,000) down at once: time until every `down` event was accepted
 *             (issue 15; not run by default: ask for it by name)
 *   10k-live  [monitor start] the 10k run twice: --no-http, then the HTTP server on a free loopback
 *             port scraped (/metrics) and its page loaded (/, /api/status) every 5 s: CPU, start lag,
 *             on time side by side, request times and sizes (issue 16; not run by default)
 *   max       [monitor start] services raised until on time < 99.9 % or gap p99 > 250 ms, over 32
 *             origins (--from --step --to --origins), ratio to a raw loop measured in the same run
 *   overload  [monitor start] 1.0× and 1.5× the capacity (--capacity N, else a short search with
 *             --from --step --to --search-seconds), 60 s each, --no-export
 *   raw       a bare undici loop against the target (--origins, default 32): the limit
 *   export    1,000,000 results exported vs COPY (--rows, --batch-size), in-process
 *   outage    [monitor start] the 10k load with PostgreSQL stopped for 60 s (--before --outage
 *             --after --drain-limit): on time during the outage, drain time, rows lost/duplicated
 *   outage-agent  ad hoc, the same in-process (runDaemon in the bench's process, measured from inside)
 *   agent     ad hoc, in-process, for profiling: N services (--services, --postgres 1, --local-export 0)
 *   prober    ad hoc: the prober alone in a closed loop (in-thread, threaded) vs a bare undici loop
 * --quick shrinks every section to a smoke run (10k: 500 services for 20 s; 10k-conditions: two of
 * those; 10k-alerts: two of those and a burst of 100; 10k-live: two of those) and writes to a
 * temp dir, not bench/results.
 * With more than one section, each runs in a process of its own: the in-process sections measure
 * the bench's own process, which would otherwise carry what the sections before it left behind.
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { saveResult, writeReadme } from './result.js';
import { DEFAULT_SECTIONS, type Options, sections } from './sections.js';

const FLAGS = new Set(['quick', 'help']);

function parseArgs(argv: readonly string[]): { names: string[]; opts: Options; flags: Set<string> } {
  const names: string[] = [];
  const opts: Options = {};
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-h') flags.add('help');
    else if (a.startsWith('--')) {
      const [key, inline] = a.slice(2).split('=', 2) as [string, string | undefined];
      if (FLAGS.has(key)) {
        flags.add(key);
        continue;
      }
      const value = inline ?? argv[++i];
      const n = Number(value);
      if (!Number.isFinite(n)) throw new Error(`--${key} needs a number, got ${String(value)}`);
      opts[key] = n;
    } else names.push(a);
  }
  return { names: names.length > 0 ? names : DEFAULT_SECTIONS, opts, flags };
}

function usage(): string {
  return [
    'usage: npm run bench -- [section…] [--quick] [--name value…]',
    `sections: ${Object.keys(sections).join(', ')}`,
    `default: ${DEFAULT_SECTIONS.join(', ')}`,
    'by name only: 10k-alerts (issue 15), 10k-live (issue 16: --no-http vs /metrics and the page every 5 s)',
    'options: --services --seconds --warmup --origins --concurrency --per-origin',
    '         --from --step --to (max), --rows --batch-size (export),',
    '         --capacity --search-seconds (overload), --burst --burst-limit (10k-alerts),',
    '         --before --outage --after --drain-limit (outage), --postgres 1 --local-export 0 (agent)',
    '--quick: short smoke run of each section, results in a temp dir',
    '',
  ].join('\n');
}

/** Runs one section in a fresh process (this file, that section alone); resolves with its exit code. */
function runSectionInChild(name: string, opts: Options, flags: ReadonlySet<string>): Promise<number | null> {
  const args = [
    ...process.execArgv,
    fileURLToPath(import.meta.url),
    name,
    ...Object.entries(opts).map(([k, v]) => `--${k}=${v}`),
    ...[...flags].map((f) => `--${f}`),
  ];
  // The child prints its README on stdout; only the last one, printed here, is wanted.
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(null));
  });
}

async function main(): Promise<number> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs(process.argv.slice(2));
  } catch (e: unknown) {
    process.stderr.write(`${(e as Error).message}\n${usage()}`);
    return 2;
  }
  const { names, opts, flags } = parsed;
  if (flags.has('help')) {
    process.stdout.write(usage());
    return 0;
  }
  const unknown = names.filter((n) => !(n in sections));
  if (unknown.length > 0) {
    process.stderr.write(`unknown section(s): ${unknown.join(', ')}\n${usage()}`);
    return 2;
  }
  const quick = flags.has('quick');
  const dir = quick
    ? join(tmpdir(), 'monitor-bench-quick')
    : fileURLToPath(new URL('../../bench/results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  let failed = 0;
  for (const name of names) {
    const begin = Date.now();
    if (names.length > 1) {
      // The child says when it starts and ends; only a crash is said here.
      const code = await runSectionInChild(name, opts, flags);
      if (code !== 0) {
        failed++;
        process.stderr.write(`[bench] ${name} failed (exit code ${code})\n`);
      }
      continue;
    }
    process.stderr.write(`[bench] ${name}${quick ? ' (quick)' : ''} …\n`);
    try {
      saveResult(dir, await sections[name]!(opts, quick));
      process.stderr.write(`[bench] ${name} done in ${Math.round((Date.now() - begin) / 1000)} s\n`);
    } catch (e: unknown) {
      failed++;
      process.stderr.write(`[bench] ${name} failed: ${(e as Error).stack ?? String(e)}\n`);
    }
  }
  process.stdout.write(writeReadme(dir));
  if (quick) process.stderr.write(`[bench] quick results in ${dir}\n`);
  return failed > 0 ? 1 : 0;
}

process.exitCode = await main();
