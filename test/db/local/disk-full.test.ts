import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { COUNTER, createJobStore, readCounters } from '../../../src/db/local/index.js';
import { createLogger } from '../../../src/log/logger.js';
import { makeResult } from '../../helpers/results.js';
import { openTemp, probePayload } from './fixtures.js';

test('SQLITE_FULL in recordProbeResults: rolled back, counted, logged once per state, no corruption, resumes', (t) => {
  const lines: { level: number; msg: string; lost?: number }[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  const logger = createLogger({ stream, format: 'json', level: 'info' });
  const { ldb } = openTemp(t, 'monitor.db', { logger });
  const store = createJobStore(ldb);

  const pages = Number(ldb.sqlite.pragma('page_count', { simple: true }));
  ldb.sqlite.pragma(`max_page_count = ${pages + 8}`);
  const big = 'e'.repeat(3000);
  let slot = 0;
  const batch = (n: number) =>
    Array.from({ length: n }, () => ({ result: makeResult('s', slot++, { errorMessage: big }), job: null }));

  // Fill until the database refuses; never an exception.
  let writtenBeforeFull = 0;
  let lost = 0;
  for (let i = 0; i < 100 && !store.diskFull; i++) {
    const items = batch(5);
    const n = store.recordProbeResults(items);
    if (store.diskFull) lost += items.length;
    else writtenBeforeFull += n;
  }
  assert.equal(store.diskFull, true, 'the small max_page_count never filled up');
  assert.ok(writtenBeforeFull > 0);

  // A claimed probe whose result cannot be written stays leased (it was rolled back, not lost silently).
  const stored = ldb.sqlite.prepare('SELECT count(*) FROM results').pluck();
  assert.equal(stored.get(), writtenBeforeFull);
  ldb.sqlite.pragma(`max_page_count = ${Number(ldb.sqlite.pragma('page_count', { simple: true })) + 20}`);
  store.enqueue([{ kind: 'probe', payload: probePayload('j', 1), runAt: 1, dedupeKey: 'j1' }]);
  const [job] = store.claim({ limit: 1, now: 1, leaseMs: 60_000 });
  ldb.sqlite.pragma(`max_page_count = ${Number(ldb.sqlite.pragma('page_count', { simple: true }))}`);
  for (let i = 0; i < 3; i++) assert.equal(store.recordProbeResults(batch(5)), 0);
  lost += 15;
  assert.equal(
    store.recordProbeResults([
      { result: makeResult('j', 1, { errorMessage: big }), job: { id: job!.id, token: job!.leaseToken } },
    ]),
    0,
  );
  lost += 1;
  assert.equal(ldb.sqlite.prepare('SELECT state FROM jobs WHERE id = ?').pluck().get(job!.id), 'running');
  assert.equal(store.pendingDiskFullDrops, lost);
  assert.equal(stored.get(), writtenBeforeFull);
  assert.equal(ldb.sqlite.pragma('integrity_check', { simple: true }), 'ok');

  // Space comes back: the next write succeeds and persists the count in the same transaction.
  ldb.sqlite.pragma('max_page_count = 1073741823');
  assert.equal(store.recordProbeResults(batch(3)), 3);
  assert.equal(store.diskFull, false);
  assert.equal(store.pendingDiskFullDrops, 0);
  assert.equal(readCounters(ldb)[COUNTER.diskFullDropped], lost);
  assert.equal(stored.get(), writtenBeforeFull + 3);
  assert.equal(ldb.sqlite.pragma('integrity_check', { simple: true }), 'ok');

  const full = lines.filter((l) => /is full/.test(l.msg));
  const back = lines.filter((l) => /writable again/.test(l.msg));
  assert.equal(full.length, 1, JSON.stringify(lines));
  assert.equal(back.length, 1);
  assert.equal(back[0]!.lost, lost);
});

test('results lost while full are counted at shutdown even when no write succeeded since', (t) => {
  const { ldb } = openTemp(t);
  const store = createJobStore(ldb);
  ldb.sqlite.pragma(`max_page_count = ${Number(ldb.sqlite.pragma('page_count', { simple: true })) + 4}`);
  const big = 'f'.repeat(3000);
  let slot = 0;
  for (let i = 0; i < 100 && !store.diskFull; i++) {
    store.recordProbeResults([{ result: makeResult('s', slot++, { errorMessage: big }), job: null }]);
  }
  assert.equal(store.diskFull, true);
  store.recordProbeResults([{ result: makeResult('s', slot++, { errorMessage: big }), job: null }]);
  assert.equal(store.pendingDiskFullDrops, 2);
  assert.equal(readCounters(ldb)[COUNTER.diskFullDropped], undefined);
  // Nothing to save: no write, no change.
  const empty = createJobStore(ldb);
  assert.equal(empty.saveDiskFullDrops(), 0);
  // Room for the counter only (results stay refused): the count is saved.
  ldb.sqlite.pragma(`max_page_count = ${Number(ldb.sqlite.pragma('page_count', { simple: true })) + 1}`);
  assert.equal(store.saveDiskFullDrops(), 0);
  assert.equal(store.pendingDiskFullDrops, 0);
  assert.equal(readCounters(ldb)[COUNTER.diskFullDropped], 2);
  assert.equal(ldb.sqlite.pragma('integrity_check', { simple: true }), 'ok');
});
