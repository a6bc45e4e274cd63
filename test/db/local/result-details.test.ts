import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { createExportSource, createJobStore, openLocalDatabase } from '../../../src/db/local/index.js';
import { DETAILS, makeResult } from '../../helpers/results.js';
import { folderUpTo, migrationJournal, tempDir } from './fixtures.js';

/** The columns the probe path wrote before 0003_result_details. */
const OLD_INSERT = `INSERT INTO results (id, agent, service_key, url, method, scheduled_at, started_at, finished_at,
  duration_ms, status_code, ok, regex_required, regex, regex_matched, error_class, error_message, bytes_read, truncated)
  VALUES (?, 'old-agent', ?, 'http://127.0.0.1/', 'GET', ?, ?, ?, ?, ?, ?, 0, NULL, NULL, ?, ?, 0, 0)`;

test('a local database from before 0003 opens; its rows read back with a state from ok and error_class', (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const path = join(dir, 'old.db');
  const before = migrationJournal().entries.findIndex((e) => e.tag === '0003_result_details');
  assert.ok(before > 0, '0003_result_details is in the journal');
  const old = openLocalDatabase(path, { migrationsFolder: folderUpTo(dir, before) });
  const insert = old.sqlite.prepare(OLD_INSERT);
  // ok; an http_status failure; a connect failure; a missed slot.
  insert.run('old-ok', 'a', 1000, 1001, 1040, 39, 200, 1, null, null);
  insert.run('old-status', 'a', 2000, 2001, 2040, 39, 503, 0, 'http_status', 'status 503 is not in …');
  insert.run('old-connect', 'b', 2000, 2001, 2002, 1, null, 0, 'connect', 'ECONNREFUSED');
  insert.run('old-missed', 'b', 3000, null, 3500, null, null, 0, 'missed', 'slot not started …');
  old.close();

  const ldb = openLocalDatabase(path);
  t.after(() => ldb.close());
  const read = createExportSource(ldb).selectUnexported(10);
  assert.deepEqual(
    read.map((r) => [r.id, r.ok, r.state]),
    [
      ['old-ok', true, 'up'],
      ['old-status', false, 'down'],
      ['old-connect', false, 'down'],
      ['old-missed', false, 'unknown'],
    ],
  );
  for (const r of read) {
    assert.equal(r.conditions, null);
    assert.equal(r.resolvedIp, null);
    assert.deepEqual([r.dnsMs, r.connectMs, r.tlsMs, r.ttfbMs, r.transferMs], [null, null, null, null, null]);
    assert.deepEqual(
      [r.tlsVersion, r.certIssuer, r.certExpiresAt, r.certChainExpiresAt],
      [null, null, null, null],
    );
  }

  // The upgraded file takes new results with every detail, beside the old rows.
  const fresh = makeResult('c', 4000, DETAILS);
  assert.equal(createJobStore(ldb).recordProbeResults([{ result: fresh, job: null }]), 1);
  assert.deepEqual(createExportSource(ldb).selectUnexported(10).at(-1), fresh);
});
