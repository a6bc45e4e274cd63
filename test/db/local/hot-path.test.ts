import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { collect, createJobStore, openLocalDatabase } from '../../../src/db/local/index.js';
import { makeResult } from '../../helpers/results.js';
import { folderUpTo, openTemp, probePayload, tempDir } from './fixtures.js';

test('upgrading a release-1 database rewrites probe dedupe keys, so a slot queued before the upgrade is not enqueued again', (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const path = join(dir, 'old.db');
  const old = openLocalDatabase(path, { migrationsFolder: folderUpTo(dir, 1) });
  // Release 1 wrote probe:<serviceKey>:<scheduledAt>.
  old.sqlite
    .prepare(
      `INSERT INTO jobs (kind, payload, run_at, state, attempts, max_attempts, dedupe_key, created_at, updated_at)
       VALUES ('probe', ?, ?, 'queued', 0, 1, ?, 0, 0)`,
    )
    .run(JSON.stringify(probePayload('abc123', 1_000_000)), 1_000_000, 'probe:abc123:1000000');
  old.close();

  const ldb = openLocalDatabase(path);
  t.after(() => ldb.close());
  const key = ldb.sqlite.prepare('SELECT dedupe_key FROM jobs').pluck().get();
  assert.equal(key, 'probe:1000000:abc123');
  const store = createJobStore(ldb);
  const inserted = store.enqueue([
    {
      kind: 'probe',
      payload: probePayload('abc123', 1_000_000),
      runAt: 1_000_000,
      dedupeKey: 'probe:1000000:abc123',
    },
  ]);
  assert.equal(inserted, 0, 'the slot queued before the upgrade still dedupes');
});

test('background checkpoints copy WAL frames into the file off the main thread, and close() stops them', async (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const path = join(dir, 'bg.db');
  const ldb = openLocalDatabase(path, { backgroundCheckpoints: true });
  const store = createJobStore(ldb);
  const before = statSync(path).size;
  // ~2 MB of results: far below the main connection's raised autocheckpoint (64 MiB), so only the
  // worker can have moved them into the main file.
  const now = Date.now();
  const items = Array.from({ length: 4_000 }, (_, i) => ({
    result: makeResult(`svc${i % 100}`, now + i, { errorMessage: 'x'.repeat(300) }),
    job: null,
  }));
  for (let i = 0; i < items.length; i += 500) store.recordProbeResults(items.slice(i, i + 500));
  const deadline = Date.now() + 5_000;
  while (statSync(path).size <= before + 1_000_000 && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 50));
  assert.ok(
    statSync(path).size > before + 1_000_000,
    `main file grew from ${before} to ${statSync(path).size}`,
  );
  // Collect leaves the checkpoint to the worker (-1), and still deletes and vacuums.
  ldb.sqlite.prepare('UPDATE results SET exported_at = 1').run();
  const collected = collect(ldb, { now: now + 10_000_000, graceMs: 0 });
  assert.equal(collected.resultsDeleted, 4_000);
  assert.equal(collected.walFramesLeft, -1);
  assert.ok(collected.freePages >= 0);

  ldb.close();
  // The last connection to close removes the WAL; the worker's connection must be gone too.
  const gone = Date.now() + 3_000;
  while (existsSync(`${path}-wal`) && Date.now() < gone) await new Promise((r) => setTimeout(r, 50));
  assert.equal(existsSync(`${path}-wal`), false, 'no connection left open after close()');
});

test('a collect run that hits its limit leaves the checkpoint and vacuum to the last run', (t) => {
  const { ldb } = openTemp(t, 'c.db');
  const store = createJobStore(ldb);
  const items = Array.from({ length: 50 }, (_, i) => ({
    result: makeResult('s', 1_000 + i),
    job: null,
  }));
  store.recordProbeResults(items);
  ldb.sqlite.prepare('UPDATE results SET exported_at = 1').run();
  const first = collect(ldb, { now: 10_000_000, graceMs: 0, maxDeletes: 20 });
  assert.equal(first.more, true);
  assert.equal(first.walFramesLeft, -1);
  assert.equal(first.freePages, -1);
  let last = first;
  while (last.more) last = collect(ldb, { now: 10_000_000, graceMs: 0, maxDeletes: 20 });
  assert.ok(last.walFramesLeft >= 0 && last.freePages >= 0);
  assert.equal(ldb.sqlite.prepare('SELECT count(*) FROM results').pluck().get(), 0);
});
