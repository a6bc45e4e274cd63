import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** One benchmark's outcome, as written to bench/results/<name>.json. */
export interface BenchResult {
  name: string;
  /** ISO time the run finished. */
  at: string;
  /** Everything the figures depend on (counts, durations, caps, machine). */
  inputs: Record<string, unknown>;
  figures: Record<string, number | string | boolean | null>;
  notes?: string[];
}

function cell(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(2);
  if (v === null || v === undefined) return '—';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** A Markdown section per result: inputs on one line, then a figure/value table. */
export function toMarkdown(results: readonly BenchResult[]): string {
  const out = [
    '# Benchmark results',
    '',
    'Written by `npm run bench`; each section is the latest run of one benchmark.',
    '',
  ];
  for (const r of results) {
    out.push(`## ${r.name} (${r.at})`, '');
    out.push(
      `Inputs: ${Object.entries(r.inputs)
        .map(([k, v]) => `${k}=${cell(v)}`)
        .join(', ')}`,
      '',
    );
    out.push('| figure | value |', '|---|---|');
    for (const [k, v] of Object.entries(r.figures)) out.push(`| ${k} | ${cell(v)} |`);
    if (r.notes && r.notes.length > 0) out.push('', ...r.notes.map((n) => `- ${n}`));
    out.push('');
  }
  return out.join('\n');
}

/** Write `<dir>/<name>.json`, then rebuild `<dir>/README.md` from every JSON there. Returns the Markdown. */
export function saveResult(dir: string, result: BenchResult): string {
  writeFileSync(join(dir, `${result.name}.json`), `${JSON.stringify(result, null, 2)}\n`);
  const all = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as BenchResult);
  const md = toMarkdown(all);
  writeFileSync(join(dir, 'README.md'), md);
  return md;
}

type Scalar = number | string | boolean | null;

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
