import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * The layer order of src/ (README, "Layout"): a folder imports only from folders of a lower
 * layer, or from itself. Two folders of one layer do not import each other either, so that a
 * stage can change without touching its neighbours.
 */
const LAYERS: Record<string, number> = {
  cli: 8,
  daemon: 7,
  demo: 7,
  jobs: 6,
  export: 6,
  fleet: 6,
  collect: 6,
  probe: 5,
  alerts: 5,
  notify: 5,
  live: 5,
  systemd: 5,
  db: 4,
  queue: 3,
  results: 2,
  config: 1,
  log: 0,
  util: 0,
  'errors.ts': 0,
};

// Tests run from dist/test/layout; the sources are read where they are.
const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..', '..');
const src = join(root, 'src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** The top folder (or file) of `file` under `dir`. */
const topIn = (dir: string, file: string): string =>
  relative(dir, file).split('/')[0]!.replace(/\.js$/, '.ts');

/** Each relative import of `file`, as an absolute path. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g))
    found.push(resolve(dirname(file), m[1]!));
  return found;
}

/** Imports under `dir` that go up or sideways, or leave the layers; one line each. */
function violations(dir: string): string[] {
  const wrong: string[] = [];
  for (const file of sources(dir)) {
    const from = topIn(dir, file);
    const at = relative(dir, file);
    if (!(from in LAYERS)) {
      wrong.push(`${at}: src/${from} has no layer (add it here and to the README)`);
      continue;
    }
    for (const target of importsOf(file)) {
      const to = topIn(dir, target);
      if (to === from) continue;
      if (!(to in LAYERS)) wrong.push(`${at} imports ${relative(dir, target)}, outside the layers`);
      else if (LAYERS[to]! >= LAYERS[from]!)
        wrong.push(`${at} (layer ${LAYERS[from]}) imports ${relative(dir, target)} (layer ${LAYERS[to]})`);
    }
  }
  return wrong;
}

test('every folder of src/ has a layer, and no import goes up or sideways', () => {
  assert.ok(sources(src).length > 50, `found ${sources(src).length} source files under ${src}`);
  assert.deepEqual(violations(src), [], 'imports that go up or sideways');
});

test('the check reports an upward, a sideways and an unknown import, and allows a downward one', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'layers-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  write('db/local/x.ts', "import { r } from '../../jobs/runner.js';\nimport { u } from '../../util/q.js';\n");
  write(
    'jobs/runner.ts',
    "import { e } from '../export/exporter.js';\nimport type { Q } from '../queue/store.js';\n",
  );
  write('export/exporter.ts', "import { s } from '../nowhere/x.js';\n");
  write('util/q.ts', '');
  write('queue/store.ts', '');
  assert.deepEqual(violations(dir).sort(), [
    'db/local/x.ts (layer 4) imports jobs/runner.js (layer 6)',
    'export/exporter.ts imports nowhere/x.js, outside the layers',
    'jobs/runner.ts (layer 6) imports export/exporter.js (layer 6)',
  ]);
});
