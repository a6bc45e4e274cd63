#!/usr/bin/env node
// `prepare`: compile dist/ whenever the package is installed from source.
// `npm install` in a clone has TypeScript already. `npm install -g .` links the folder and runs this
// before installing anything in it, so then we install the folder's own dependencies first (that
// nested install runs `prepare` again, which builds), instead of failing with "tsc: not found".
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

if (!existsSync(tsc)) {
  if (process.env['MONITOR_PREPARE_NESTED'] === '1') {
    process.stderr.write('prepare: TypeScript is still missing after installing the dependencies\n');
    process.exit(1);
  }
  const env = { ...process.env, MONITOR_PREPARE_NESTED: '1' };
  // The outer `npm install -g` passes its global settings down; this install is local to the folder.
  for (const k of Object.keys(env)) {
    if (/^npm_config_(global|location|prefix)$/i.test(k)) delete env[k];
  }
  const r = spawnSync('npm', ['install', '--include=dev', '--no-audit', '--no-fund'], {
    cwd: root,
    stdio: 'inherit',
    env,
  });
  process.exit(r.status ?? 1);
}

/** Newest modification time under `dir` of the files tsc compiles (0 when absent). */
function newest(dir) {
  if (!existsSync(dir)) return 0;
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : e.name.endsWith('.ts') ? statSync(p).mtimeMs : 0);
  }
  return t;
}

// An up-to-date dist/ is not compiled again: `npm install -g .` from a working copy (the README's
// global install, and its test) would otherwise rewrite dist/ under every process running from it.
const built = join(root, 'dist', 'src', 'cli', 'main.js');
const sources = Math.max(
  newest(join(root, 'src')),
  newest(join(root, 'test')),
  newest(join(root, 'bench')),
  statSync(join(root, 'tsconfig.json')).mtimeMs,
);
if (existsSync(built) && statSync(built).mtimeMs >= sources) process.exit(0);

const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
