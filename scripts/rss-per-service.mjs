#!/usr/bin/env node
// RSS of `monitor start` by number of services at a light load (every service at 300 s, against a
// closed port on 127.0.0.1): the per-service part of the daemon's memory, apart from the part that
// follows the probe rate. Runs bin/monitor.js as a program (its shebang flags apply) for 40 s and
// prints the VmRSS maximum from /proc as one JSON line.
//   node scripts/rss-per-service.mjs N
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const n = Number(process.argv[2]);
const dir = mkdtempSync(join(tmpdir(), 'persvc-'));
const services = Array.from({ length: n }, (_, i) => ({
  url: `http://127.0.0.1:9/s/${i}`,
  method: 'GET',
  check_regex: false,
  regex: null,
  interval_sec: 300,
  timeout: 3,
}));
writeFileSync(
  join(dir, 'cfg'),
  JSON.stringify({ local_database_path: join(dir, 'db.sqlite3'), external_database_uri: null, services }),
);
const c = spawn(
  new URL('../bin/monitor.js', import.meta.url).pathname,
  ['start', '--yes', '-vvv', '--log-format', 'json', '--config-path', join(dir, 'cfg'), '--no-export'],
  {
    stdio: ['ignore', 'ignore', 'ignore'],
    env: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH}` },
  },
);
let max = 0;
for (let i = 0; i < 80; i++) {
  await new Promise((r) => setTimeout(r, 500));
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${c.pid}/status`, 'utf8'));
    max = Math.max(max, Number(m[1]) / 1024);
  } catch {}
}
console.log(JSON.stringify({ services: n, rssMaxMB: Math.round(max) }));
c.kill('SIGTERM');
await new Promise((r) => c.once('exit', r));
