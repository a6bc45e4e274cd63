import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { createJobStore, openLocalDatabase } from '../../../src/db/local/index.js';
import { probePayload, tempDir } from './fixtures.js';

const moduleUrl = new URL('../../../src/db/local/index.js', import.meta.url).href;

/** A separate process that claims and completes in small batches until the queue is empty. */
function claimer(dbPath: string, barrierDir: string, n: number, of: number): Promise<number[]> {
  const code = `
    const fs = await import('node:fs');
    const m = await import(${JSON.stringify(moduleUrl)});
    const ldb = m.openLocalDatabase(${JSON.stringify(dbPath)});
    const store = m.createJobStore(ldb);
    const ids = [];
    // A barrier: every claimer is loaded and has the database open before any claims, so that their
    // claims really interleave even when one process is slow to start (a busy CI machine).
    fs.writeFileSync(${JSON.stringify(barrierDir)} + '/ready-${n}', '');
    const until = Date.now() + 30000;
    while (fs.readdirSync(${JSON.stringify(barrierDir)}).filter((f) => f.startsWith('ready-')).length < ${of} && Date.now() < until) {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    }
    for (;;) {
      const jobs = store.claim({ limit: 7, now: Date.now(), leaseMs: 600000 });
      if (jobs.length === 0) break;
      for (const j of jobs) ids.push(j.id);
      store.complete(jobs.map((j) => ({ id: j.id, token: j.leaseToken })));
      // A pause between claims, as the runner polls: without it one process can take the write
      // lock back-to-back while the others sit in SQLite's busy back-off.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
    }
    ldb.close();
    process.stdout.write(JSON.stringify(ids));`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('exit', (c) =>
      c === 0 ? resolve(JSON.parse(out) as number[]) : reject(new Error(`exit ${c}: ${err}`)),
    );
  });
}

test('claimers in separate processes never lease the same job twice, and together take every job', async (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const path = join(dir, 'monitor.db');
  const ldb = openLocalDatabase(path);
  const total = 20_000;
  createJobStore(ldb).enqueue(
    Array.from({ length: total }, (_, i) => ({
      kind: 'probe' as const,
      payload: probePayload(`s${i}`, i),
      runAt: i,
    })),
  );
  ldb.close();

  const results = await Promise.all([0, 1, 2].map((n) => claimer(path, dir, n, 3)));
  const all = results.flat();
  assert.ok(
    results.every((ids) => ids.length > 0),
    `claims did not interleave: ${results.map((r) => r.length)}`,
  );
  assert.equal(new Set(all).size, all.length, 'a job was claimed twice');
  assert.equal(all.length, total);
  const check = openLocalDatabase(path);
  t.after(() => check.close());
  assert.equal(
    check.sqlite.prepare("SELECT count(*) FROM jobs WHERE state = 'done' AND attempts = 1").pluck().get(),
    total,
  );
});
