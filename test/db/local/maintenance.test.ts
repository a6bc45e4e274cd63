import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { test } from 'node:test';
import {
  COUNTER,
  collect,
  createExportSource,
  createJobStore,
  enforceBufferLimit,
  incrementCounter,
  type LocalDatabase,
  openLocalDatabase,
  readCounters,
} from '../../../src/db/local/index.js';
import type { ProbeResult } from '../../../src/results/types.js';
import { makeResult } from '../../helpers/results.js';
import { openTemp, probePayload } from './fixtures.js';

function insertResults(ldb: LocalDatabase, n: number, key = 's'): ProbeResult[] {
  const results = Array.from({ length: n }, (_, i) => makeResult(key, 1000 + i));
  createJobStore(ldb).recordProbeResults(results.map((result) => ({ result, job: null })));
  return results;
}

const ids = (rs: readonly ProbeResult[]) => rs.map((r) => r.id);

test('export source: oldest first in insertion order, mark exported, set aside with reason, count', (t) => {
  const { ldb } = openTemp(t);
  const src = createExportSource(ldb);
  const rs = insertResults(ldb, 10);
  assert.equal(src.countUnexported(), 10);
  const first = src.selectUnexported(4);
  assert.deepEqual(ids(first), ids(rs.slice(0, 4)));
  assert.deepEqual(first[0], rs[0]); // every field survives the round trip
  assert.equal(src.markExported(ids(first), 5000), 4);
  assert.equal(src.markExported(ids(first), 6000), 0); // already exported: unchanged
  src.setAside(rs[4]!.id, 'value too long for type character varying(10)', 5001);
  src.setAside(rs[4]!.id, 'again', 5002); // not counted twice
  assert.deepEqual(ids(src.selectUnexported(100)), ids(rs.slice(5)));
  // The batch after one in flight: only rows inserted after it, the exported ones skipped.
  assert.deepEqual(ids(src.selectUnexported(2, rs[6]!.id)), ids(rs.slice(7, 9)));
  assert.deepEqual(ids(src.selectUnexported(3, rs[1]!.id)), ids(rs.slice(5, 8)));
  assert.deepEqual(src.selectUnexported(3, 'no-such-id'), []);
  assert.equal(src.countUnexported(), 5);
  assert.equal(readCounters(ldb)[COUNTER.setAside], 1);
  const aside = ldb.sqlite
    .prepare('SELECT set_aside_reason, set_aside_at FROM results WHERE id = ?')
    .get(rs[4]!.id);
  assert.deepEqual(aside, {
    set_aside_reason: 'value too long for type character varying(10)',
    set_aside_at: 5001,
  });
  assert.equal(
    ldb.sqlite.prepare('SELECT exported_at FROM results WHERE id = ?').pluck().get(rs[0]!.id),
    5000,
  );
});

test('seq is never reused after deletes, so export order holds across collections', (t) => {
  const { ldb } = openTemp(t);
  insertResults(ldb, 3, 'a');
  const src = createExportSource(ldb);
  src.markExported(ids(src.selectUnexported(3)), 0);
  collect(ldb, { now: 10, graceMs: 0 });
  assert.equal(ldb.sqlite.prepare('SELECT count(*) FROM results').pluck().get(), 0);
  insertResults(ldb, 1, 'b');
  assert.equal(ldb.sqlite.prepare('SELECT min(seq) FROM results').pluck().get(), 4);
});

test('collect deletes only exported results and finished jobs past the grace', (t) => {
  const { ldb } = openTemp(t);
  const store = createJobStore(ldb);
  const src = createExportSource(ldb);
  const rs = insertResults(ldb, 6);
  src.markExported(ids(rs.slice(0, 2)), 1000); // old enough
  src.markExported(ids(rs.slice(2, 4)), 9500); // within the grace
  src.setAside(rs[4]!.id, 'bad', 1000); // never exported: kept
  // rs[5] unexported: kept

  let clock = 1000;
  const jobsStore = createJobStore(ldb, { clock: () => clock });
  jobsStore.enqueue([
    { kind: 'probe', payload: probePayload('x', 1), runAt: 1, dedupeKey: 'x1' },
    { kind: 'probe', payload: probePayload('x', 2), runAt: 2, dedupeKey: 'x2' },
    { kind: 'probe', payload: probePayload('x', 3), runAt: 3, dedupeKey: 'x3' },
    { kind: 'probe', payload: probePayload('x', 4), runAt: 20_000, dedupeKey: 'x4' },
  ]);
  const [done, dead, running] = store.claim({ limit: 3, now: 1000, leaseMs: 1_000_000 });
  jobsStore.complete([{ id: done!.id, token: done!.leaseToken }]);
  store.fail({ id: dead!.id, token: dead!.leaseToken }, 'x', null, 1000);
  clock = 9800;
  const [late] = jobsStore.claim({
    limit: 1,
    now: 9800,
    runAtBefore: 30_000,
    leaseMs: 1_000_000,
    kinds: ['probe'],
  });
  jobsStore.complete([{ id: late!.id, token: late!.leaseToken }]); // finished within the grace

  const stats = collect(ldb, { now: 10_000, graceMs: 1000 });
  assert.equal(stats.resultsDeleted, 2);
  assert.equal(stats.jobsDeleted, 2);
  assert.equal(stats.more, false);
  const left = ldb.sqlite.prepare('SELECT id FROM results ORDER BY seq').pluck().all();
  assert.deepEqual(left, ids(rs.slice(2)));
  const jobStates = ldb.sqlite.prepare('SELECT id, state FROM jobs ORDER BY id').all();
  assert.deepEqual(jobStates, [
    { id: running!.id, state: 'running' },
    { id: late!.id, state: 'done' },
  ]);
  assert.equal(ldb.sqlite.pragma('integrity_check', { simple: true }), 'ok');
});

test('collect is bounded per run, checkpoints the WAL and hands free pages back', (t) => {
  const { ldb, path } = openTemp(t);
  const src = createExportSource(ldb);
  const big = 'x'.repeat(2000);
  const rs = Array.from({ length: 3000 }, (_, i) => makeResult('s', i, { errorMessage: big }));
  createJobStore(ldb).recordProbeResults(rs.map((result) => ({ result, job: null })));
  src.markExported(ids(rs), 0);
  const first = collect(ldb, { now: 1, graceMs: 0, maxDeletes: 1000, vacuumPages: 0 });
  assert.equal(first.resultsDeleted, 1000);
  assert.equal(first.more, true);
  const second = collect(ldb, { now: 1, graceMs: 0, maxDeletes: 5000, vacuumPages: 0 });
  assert.equal(second.resultsDeleted, 2000);
  assert.equal(second.walFramesLeft, 0);
  const freeBefore = Number(ldb.sqlite.pragma('freelist_count', { simple: true }));
  assert.ok(freeBefore > 100, `free pages ${freeBefore}`);
  const third = collect(ldb, { now: 1, graceMs: 0, vacuumPages: 100 });
  assert.equal(third.freePages, freeBefore - 100);
  const sizeBefore = statSync(path).size;
  const fourth = collect(ldb, { now: 1, graceMs: 0, vacuumPages: freeBefore });
  assert.equal(fourth.freePages, 0);
  collect(ldb, { now: 1, graceMs: 0 }); // checkpoints the vacuum into the file, which then shrinks
  assert.ok(statSync(path).size < sizeBefore / 2, `${statSync(path).size} vs ${sizeBefore}`);
  assert.equal(statSync(`${path}-wal`).size, 0); // TRUNCATE checkpoint when nothing is in the way
});

test('buffer limit drops exactly the oldest unexported beyond the limit and counts them', (t) => {
  const { ldb, path } = openTemp(t);
  const src = createExportSource(ldb);
  const rs = insertResults(ldb, 20);
  src.markExported(ids(rs.slice(0, 3)), 1); // exported rows are not part of the backlog
  src.setAside(rs[3]!.id, 'bad', 1); // nor are set-aside ones
  assert.equal(enforceBufferLimit(ldb, { maxRows: 16 }), 0);
  assert.equal(enforceBufferLimit(ldb, { maxRows: 10 }), 6);
  assert.deepEqual(ids(src.selectUnexported(100)), ids(rs.slice(10)));
  assert.equal(ldb.sqlite.prepare('SELECT count(*) FROM results').pluck().get(), 14);
  assert.equal(enforceBufferLimit(ldb, { maxRows: 7 }), 3);
  assert.deepEqual(ids(src.selectUnexported(100)), ids(rs.slice(13)));
  // A gap inside the backlog (a set-aside row): the span says 7, the exact count 6.
  src.setAside(rs[15]!.id, 'bad', 1);
  assert.equal(enforceBufferLimit(ldb, { maxRows: 6 }), 0);
  assert.equal(enforceBufferLimit(ldb, { maxRows: 5 }), 1);
  assert.deepEqual(ids(src.selectUnexported(100)), ids([rs[14]!, ...rs.slice(16)]));
  assert.equal(readCounters(ldb)[COUNTER.droppedResults], 10);
  ldb.close();
  const again = openLocalDatabase(path);
  t.after(() => again.close());
  assert.equal(readCounters(again)[COUNTER.droppedResults], 10); // persisted
});

test('counters start absent, add up and survive reopen', (t) => {
  const { ldb, path } = openTemp(t);
  assert.deepEqual(readCounters(ldb), {});
  incrementCounter(ldb, 'missed', 2);
  incrementCounter(ldb, 'missed', 3);
  incrementCounter(ldb, 'other', 0);
  assert.deepEqual(readCounters(ldb), { missed: 5 });
  ldb.close();
  const again = openLocalDatabase(path);
  t.after(() => again.close());
  assert.deepEqual(readCounters(again), { missed: 5 });
});
