import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type Scalar = number | string | boolean | null;

/** A goal of issue 6 for one figure, judged on this run. */
export interface Goal {
  figure: string;
  /** The goal as written in the table, e.g. "≤ 250 ms". */
  goal: string;
  /** null when the figure is missing (the run did not get that far). */
  pass: boolean | null;
}

/** One benchmark's outcome, as written to bench/results/<name>.json. */
export interface BenchResult {
  name: string;
  /** What the section stands for, e.g. "10k: 10,000 services at 5 s with export". */
  title?: string;
  /**
   * What was measured: 'monitor start' (the real daemon in a process of its own, seen from outside)
   * or absent (a micro-benchmark or runDaemon in the bench's own process). Only the
   * first fill the goals table.
   */
  process?: string;
  /** ISO time the run finished. */
  at: string;
  /** Everything the figures depend on (counts, durations, caps, machine). */
  inputs: Record<string, unknown>;
  figures: Record<string, Scalar>;
  goals?: Goal[];
  notes?: string[];
}

/** Sections of `npm run bench`, in the issue's order; other results (ad-hoc runs) follow by name. */
export const SECTION_ORDER = [
  'raw',
  'seed',
  '10k',
  '10k-conditions',
  '10k-alerts',
  '10k-live',
  'max',
  'overload',
  'export',
  'fleet-export',
  'fleet-query',
  'outage',
];

function cell(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(2);
  if (v === null || v === undefined) return '—';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

const verdict = (pass: boolean | null): string => (pass === null ? 'n/a' : pass ? 'pass' : 'FAIL');

function order(a: BenchResult, b: BenchResult): number {
  const rank = (r: BenchResult) => {
    const i = SECTION_ORDER.indexOf(r.name);
    return i < 0 ? SECTION_ORDER.length : i;
  };
  return rank(a) - rank(b) || a.name.localeCompare(b.name);
}

/**
 * The goals of every section in one table (each row names its section, whose inputs are below),
 * then a section per result: inputs on one line, then a figure/value/goal table.
 */
export function toMarkdown(results: readonly BenchResult[]): string {
  const sorted = results.toSorted(order);
  const out = [
    '# Benchmark results',
    '',
    'Written by `npm run bench` (issues 6, 11 and 14); each section is the latest run of one benchmark, on',
    'the machine named in its inputs. Ratios are computed within one run of one section.',
    '',
    '**What is measured how.** The sections marked *monitor start* run the real daemon as users run it',
    '(`bin/monitor.js start --yes --config-path GEN`, run as a program, a generated config of N services at 5 s) in a',
    'process of its own, and measure it only from outside:',
    '',
    "- a target server (a child process, N origins) records the arrival time of every service's",
    "  request. Each service's slots lie on its grid (phase + k·interval, `src/jobs/phase.ts`); over a",
    '  window after a warm-up, **on time** = slots with an arrival / slots on the grid, and **gap p99**',
    '  = p99 of |gap between two arrivals of a service − interval| (the start lag itself is not',
    '  visible at the target; `arrivalLag` = arrival − slot is an upper bound of it);',
    '- CPU = utime + stime of `/proc/PID/stat` (all threads) over the window; RSS = `VmRSS` of',
    '  `/proc/PID/status` sampled every 500 ms (max and end), `VmHWM` at the end (peak since start);',
    '- with export, rows of the window in PostgreSQL (embedded, durable settings) counted by SQL after',
    '  the daemon stopped: duplicates = rows − distinct (service_key, scheduled_at); **start lag** =',
    "  `started_at − scheduled_at` (the daemon's own stamp of the probe's start);",
    '- with `--no-export`, the local SQLite database read read-only after the daemon exited: rows',
    "  with `error_class = 'missed'` vs slots without an arrival.",
    '',
    'The goals table holds the *monitor start* sections only. The other sections (raw loop, export vs',
    "COPY, outage-agent, agent, prober) run in the bench's own process: micro-benchmarks and profiles,",
    "their goals in their own tables. Where the monitor's time goes: [profile.md](profile.md).",
    '',
    '## Goals',
    '',
    '| section | figure | value | goal | met |',
    '|---|---|---|---|---|',
  ];
  if (!sorted.some((r) => r.process === 'monitor start' && (r.goals ?? []).length > 0)) {
    out.push('| — | no *monitor start* section in these results yet: run `npm run bench` | | | |');
  }
  for (const r of sorted) {
    if (r.process !== 'monitor start') continue;
    for (const g of r.goals ?? []) {
      out.push(`| ${r.name} | ${g.figure} | ${cell(r.figures[g.figure])} | ${g.goal} | ${verdict(g.pass)} |`);
    }
  }
  out.push('');
  for (const r of sorted) {
    const how = r.process === 'monitor start' ? ' [monitor start]' : ' [in-process]';
    out.push(`## ${r.name}${r.title ? ` — ${r.title}` : ''}${how} (${r.at})`, '');
    out.push(
      `Inputs: ${Object.entries(r.inputs)
        .map(([k, v]) => `${k}=${cell(v)}`)
        .join(', ')}`,
      '',
    );
    const goals = new Map((r.goals ?? []).map((g) => [g.figure, g]));
    out.push('| figure | value | goal | met |', '|---|---|---|---|');
    for (const [k, v] of Object.entries(r.figures)) {
      const g = goals.get(k);
      out.push(`| ${k} | ${cell(v)} | ${g?.goal ?? ''} | ${g ? verdict(g.pass) : ''} |`);
    }
    if (r.notes && r.notes.length > 0) out.push('', ...r.notes.map((n) => `- ${n}`));
    out.push('');
  }
  return out.join('\n');
}

/** Write `<dir>/<name>.json`, then rebuild `<dir>/README.md` from every JSON there. Returns the Markdown. */
export function saveResult(dir: string, result: BenchResult): string {
  writeFileSync(join(dir, `${result.name}.json`), `${JSON.stringify(result, null, 2)}\n`);
  return writeReadme(dir);
}

/** Rebuild `<dir>/README.md` from every JSON there. Returns the Markdown. */
export function writeReadme(dir: string): string {
  const all = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as BenchResult);
  const md = toMarkdown(all);
  writeFileSync(join(dir, 'README.md'), md);
  return md;
}

function flatten(value: unknown, prefix: string, out: Record<string, Scalar>): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (value === null || ['number', 'string', 'boolean'].includes(typeof value)) {
    out[prefix] = value as Scalar;
  } else {
    out[prefix] = JSON.stringify(value);
  }
}

/** A benchmark that returns its own shape (e.g. bench/export.ts): its scalar leaves become figures. */
export function asBenchResult(name: string, value: unknown): BenchResult {
  const v = value as Partial<BenchResult> | null;
  if (v && typeof v === 'object' && v.figures && v.inputs) {
    return { ...(v as BenchResult), name: v.name ?? name, at: v.at ?? new Date().toISOString() };
  }
  const figures: Record<string, Scalar> = {};
  flatten(value, '', figures);
  return { name, at: new Date().toISOString(), inputs: { see: 'figures' }, figures };
}
