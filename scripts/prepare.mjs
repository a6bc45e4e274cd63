#!/usr/bin/env node
// `prepare`: compile dist/ whenever the package is installed from source.
// `npm install` in a clone has TypeScript already. `npm install -g .` links the folder and runs this
// before installing anything in it, so then we install the folder's own dependencies first (that
// nested install runs `prepare` again, which builds), instead of failing with "tsc: not found".
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
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

const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
