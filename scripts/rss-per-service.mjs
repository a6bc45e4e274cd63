#!/usr/bin/env node
// RSS of `monitor start` by number of services at a light load (every service at 300 s, against a
// closed port on 127.0.0.1): the per-service part of the daemon's memory, apart from the part that
// follows the probe rate. Runs bin/monitor.js as a program (its shebang flags apply) for 40 s and
// prints the VmRSS maximum from /proc as one JSON line.
//   node scripts/rss-per-service.mjs N
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeClosedPortConfig } from './lib/closed-port-config.mjs';

const n = Number(process.argv[2]);
const { path: cfg } = writeClosedPortConfig('persvc-', n, { interval_sec: 300 });
const c = spawn(
  new URL('../bin/monitor.js', import.meta.url).pathname,
  ['start', '--yes', '-vvv', '--log-format', 'json', '--config-path', cfg, '--no-export'],
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
