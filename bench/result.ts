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
  /** ISO time the run finished. */
  at: string;
  /** Everything the figures depend on (counts, durations, caps, machine). */
  inputs: Record<string, unknown>;
  figures: Record<string, Scalar>;
  goals?: Goal[];
  notes?: string[];
}

/** Sections of `npm run bench`, in the issue's order; other results (ad-hoc runs) follow by name. */
export const SECTION_ORDER = ['raw', 'seed', '10k', 'max', 'export', 'outage'];

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
    'Written by `npm run bench` (issue 6); each section is the latest run of one benchmark, on the',
    'machine named in its inputs. Ratios are computed within one run of one section. Where the',
    "monitor's time goes: [profile.md](profile.md).",
    '',
    '## Goals',
    '',
    '| section | figure | value | goal | met |',
    '|---|---|---|---|---|',
  ];
  for (const r of sorted) {
    for (const g of r.goals ?? []) {
      out.push(`| ${r.name} | ${g.figure} | ${cell(r.figures[g.figure])} | ${g.goal} | ${verdict(g.pass)} |`);
    }
  }
  out.push('');
  for (const r of sorted) {
    out.push(`## ${r.name}${r.title ? ` — ${r.title}` : ''} (${r.at})`, '');
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
