#!/usr/bin/env node
// Issue 12, item 12: `monitor start` with N cron services that do not fire during the run (default
// 100,000, each '0 0 1 1 *'): milliseconds until "Starting Agent worker", then the daemon's CPU
// (utime + stime from /proc) over 20 s of idling. Prints one JSON line.
//   node scripts/cron-idle.mjs [BIN=bin/monitor.js] [N=100000]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeClosedPortConfig } from './lib/closed-port-config.mjs';

const bin = process.argv[2] ?? new URL('../bin/monitor.js', import.meta.url).pathname;
const n = Number(process.argv[3] ?? 100000);
const { path: cfg } = writeClosedPortConfig('cron100k-', n, { interval_sec: 5, cron: '0 0 1 1 *' });
const t0 = Date.now();
const c = spawn(
  process.execPath,
  [bin, 'start', '--yes', '-vvvv', '--log-format', 'json', '--config-path', cfg, '--no-export'],
  { stdio: ['ignore', 'pipe', 'pipe'] },
);
let out = '';
const ticks = () => {
  const f = readFileSync(`/proc/${c.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(f[11]) + Number(f[12]);
};
c.stdout.on('data', (d) => (out += d));
c.stderr.on('data', (d) => (out += d));
const started = await new Promise((r) => {
  const i = setInterval(() => {
    if (/Starting Agent worker/.test(out)) {
      clearInterval(i);
      r(Date.now() - t0);
    }
    if (c.exitCode !== null) {
      clearInterval(i);
      r(-1);
    }
  }, 50);
});
await new Promise((r) => setTimeout(r, 3000));
const a = ticks();
await new Promise((r) => setTimeout(r, 20000));
const b = ticks();
console.log(JSON.stringify({ services: n, startMs: started, idleCpuPct: ((b - a) / 100 / 20) * 100 }));
c.kill('SIGTERM');
await new Promise((r) => c.once('exit', r));
if (started < 0) console.log(out.slice(-2000));
