#!/usr/bin/env node
// Summarises a V8 .cpuprofile (from `node --cpu-prof`): busy share of the thread, the top
// functions by self time, and this project's functions by inclusive time (callees included,
// each function counted once per stack), so "where the time goes" can be read without DevTools.
//   node scripts/cpu-profile-summary.mjs FILE.cpuprofile [TOP=25]
import { readFileSync } from 'node:fs';

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: node scripts/cpu-profile-summary.mjs FILE.cpuprofile [TOP]');
  process.exit(2);
}
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

// Time per sample: the delta to the next sample.
const selfUs = new Map();
let total = 0;
for (let i = 0; i < profile.samples.length; i++) {
  const dt = profile.timeDeltas[i + 1] ?? 0;
  selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + dt);
  total += dt;
}

const short = (url) => url.replace(/^.*\/(node_modules\/|dist\/)/, '$1').replace(/^file:\/\//, '');
const label = (n) => {
  const f = n.callFrame;
  return `${f.functionName || '(anonymous)'} ${f.url ? `${short(f.url)}:${f.lineNumber + 1}` : ''}`.trim();
};

const idle = new Set(['(idle)']);
let idleUs = 0;
const self = new Map();
const inclusive = new Map();
for (const [id, us] of selfUs) {
  const n = byId.get(id);
  if (idle.has(n.callFrame.functionName)) {
    idleUs += us;
    continue;
  }
  const l = label(n);
  self.set(l, (self.get(l) ?? 0) + us);
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const c = byId.get(cur);
    if (!c.callFrame.url.includes('/dist/src/')) continue;
    const cl = label(c);
    if (seen.has(cl)) continue;
    seen.add(cl);
    inclusive.set(cl, (inclusive.get(cl) ?? 0) + us);
  }
}

const pct = (us) => `${((us / total) * 100).toFixed(1)} %`;
console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled, busy ${pct(total - idleUs)}`);
console.log(`\nSelf time (top ${top}):`);
for (const [l, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top))
  console.log(`  ${pct(us).padStart(7)}  ${l}`);
console.log(`\nThis project's functions, inclusive (top ${top}):`);
for (const [l, us] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top))
  console.log(`  ${pct(us).padStart(7)}  ${l}`);
