import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { migrateRemote, type RemoteLayout } from '../../../src/db/remote/migrate.js';
import type { RemoteTable } from '../../../src/db/remote/table.js';
import { runUpkeep, type UpkeepSettings, upkeepLockKey } from '../../../src/db/remote/upkeep.js';
import { query } from '../../export/fixtures.js';
import { getTestDatabaseUrl } from '../../helpers/pg.js';

const T: RemoteTable = { schema: 'public', table: 'monitoring' };
const at = (y: number, m: number, d: number, h = 0): number => Date.UTC(y, m - 1, d, h);

async function withClient<R>(url: string, fn: (c: pg.Client) => Promise<R>): Promise<R> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

const migrate = (url: string, layout: RemoteLayout) =>
  withClient(url, (c) => migrateRemote(c, T, undefined, layout));
const upkeep = (url: string, settings: UpkeepSettings) => withClient(url, (c) => runUpkeep(c, T, settings));

/** `n` rows one minute apart from `start` (a naive UTC timestamp), with the original's NOT NULL columns. */
async function addRows(url: string, tag: string, start: string, n: number): Promise<void> {
  await query(
    url,
    `INSERT INTO monitoring (local_id, url, method, request_timestamp, regex_check_required, contains_regex,
       contains_exception, local_created_at, service_key)
     SELECT $1 || '-' || g, 'http://127.0.0.1/' || g, 'GET', $2::timestamp + g * interval '1 minute', false, false,
            false, $2::timestamp, 'svc-' || (g % 3)
       FROM generate_series(0, $3::int - 1) g`,
    [tag, start, n],
  );
}

async function perDay(url: string): Promise<Record<string, number>> {
  const rows = await query<{ day: string; n: number }>(
    url,
    `SELECT request_timestamp::date::text AS day, count(*)::int AS n FROM monitoring GROUP BY 1 ORDER BY 1`,
  );
  return Object.fromEntries(rows.map((r) => [r.day, r.n]));
}

async function inDefault(url: string): Promise<number> {
  const [r] = await query<{ n: number }>(url, 'SELECT count(*)::int AS n FROM monitoring_default');
  return r!.n;
}

async function checksum(url: string): Promise<string> {
  const [r] = await query<{ h: string }>(
    url,
    "SELECT md5(string_agg(m::text, '|' ORDER BY id)) AS h FROM monitoring m",
  );
  return r!.h;
}

test('a late row waits in the default partition and moves when upkeep creates its day', async () => {
  const url = await getTestDatabaseUrl();
  await migrate(url, { now: at(2026, 12, 3, 12) });
  await addRows(url, 'future', '2026-12-10 08:00:00', 5);
  await addRows(url, 'late', '2026-11-25 23:58:00', 2);
  await addRows(url, 'today', '2026-12-04 00:00:00', 4);
  assert.equal(await inDefault(url), 7, 'the days without a partition are in the default one');
  // A CHECK of the user's on the table: a partition is attached only with it (LIKE … INCLUDING CONSTRAINTS).
  await query(url, `ALTER TABLE monitoring ADD CONSTRAINT users_check CHECK (url <> '')`);
  const days = await perDay(url);
  const sum = await checksum(url);

  const report = await upkeep(url, { now: at(2026, 12, 9, 10) });
  assert.equal(report.ran, true);
  assert.deepEqual(report.lines, [
    'created partition monitoring_p20261125 [2026-11-25 00:00:00, 2026-11-26 00:00:00), 2 rows moved from the default partition',
    'created partition monitoring_p20261209 [2026-12-09 00:00:00, 2026-12-10 00:00:00)',
    'created partition monitoring_p20261210 [2026-12-10 00:00:00, 2026-12-11 00:00:00), 5 rows moved from the default partition',
    'created partition monitoring_p20261211 [2026-12-11 00:00:00, 2026-12-12 00:00:00)',
    'created partition monitoring_p20261212 [2026-12-12 00:00:00, 2026-12-13 00:00:00)',
  ]);
  assert.equal(await inDefault(url), 0);
  const [moved] = await query<{ n: number }>(url, 'SELECT count(*)::int AS n FROM monitoring_p20261210');
  assert.equal(moved!.n, 5);
  assert.deepEqual(await perDay(url), days, 'no row lost or added');
  assert.equal(await checksum(url), sum, 'every column of every row as it was');
  // The moved rows are still unique on the conflict key: a resend of one is absorbed.
  const resent = await query(
    url,
    `INSERT INTO monitoring (local_id, url, method, request_timestamp, regex_check_required, contains_regex,
       contains_exception, local_created_at) VALUES ('future-0', 'x', 'GET', '2026-12-10 08:00:00', false, false,
       false, now()) ON CONFLICT DO NOTHING RETURNING id`,
  );
  assert.equal(resent.length, 0);
  const again = await upkeep(url, { now: at(2026, 12, 9, 11) });
  assert.deepEqual(again.lines, [], 'an hour later there is nothing to do');
});

test('retention drops the partitions wholly older than retention_days and nothing newer', async () => {
  const url = await getTestDatabaseUrl();
  await migrate(url, { now: at(2026, 12, 1, 12) });
  await addRows(url, 'old', '2026-11-20 10:00:00', 3);
  for (const d of ['01', '02', '03', '04']) await addRows(url, `d${d}`, `2026-12-${d} 00:00:00`, 1440);
  const before = await perDay(url);
  assert.deepEqual(before, {
    '2026-11-20': 3,
    '2026-12-01': 1440,
    '2026-12-02': 1440,
    '2026-12-03': 1440,
    '2026-12-04': 1440,
  });
  // Cut-off 2026-12-03 12:00: the 3rd's partition holds rows on both sides of it and stays.
  const report = await upkeep(url, { now: at(2026, 12, 6, 12), retentionDays: 3, partitionsAhead: 1 });
  assert.deepEqual(report.lines, [
    'created partition monitoring_p20261206 [2026-12-06 00:00:00, 2026-12-07 00:00:00)',
    'created partition monitoring_p20261207 [2026-12-07 00:00:00, 2026-12-08 00:00:00)',
    'dropped partition monitoring_p20261201 (every row older than 2026-12-02 00:00:00, retention 3 days)',
    'dropped partition monitoring_p20261202 (every row older than 2026-12-03 00:00:00, retention 3 days)',
    'deleted 3 rows older than 2026-12-03 12:00:00 from monitoring_default',
  ]);
  assert.deepEqual(await perDay(url), { '2026-12-03': 1440, '2026-12-04': 1440 });
});

test('two upkeeps at once: the one that holds the lock works, the other skips', async () => {
  const url = await getTestDatabaseUrl();
  await migrate(url, { now: at(2026, 12, 1) });
  await addRows(url, 'late', '2026-12-08 01:00:00', 2);
  const blocker = new pg.Client({ connectionString: url });
  await blocker.connect();
  try {
    // Holds the first upkeep inside its work (it reads the default partition), lock in hand.
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE monitoring_default IN ACCESS EXCLUSIVE MODE');
    const first = upkeep(url, { now: at(2026, 12, 8) });
    for (;;) {
      const [w] = await query<{ n: number }>(
        url,
        `SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted AND relation = 'monitoring_default'::regclass
          AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      );
      if (w!.n > 0) break;
      await sleep(20);
    }
    const second = await upkeep(url, { now: at(2026, 12, 8) });
    assert.deepEqual(second, { ran: false, lines: [], notices: [] });
    await blocker.query('COMMIT');
    const done = await first;
    assert.equal(done.ran, true);
    assert.equal(done.lines.filter((l) => l.startsWith('created partition monitoring_p20261208')).length, 1);
  } finally {
    await blocker.end();
  }
  // The lock was given back: the next upkeep runs.
  assert.equal((await upkeep(url, { now: at(2026, 12, 8) })).ran, true);
  const held = await query(
    url,
    `SELECT 1 FROM pg_locks WHERE locktype = 'advisory'
       AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
  );
  assert.equal(held.length, 0, 'no advisory lock left behind');
  assert.ok(upkeepLockKey(T).includes('public.monitoring'));
});

test('rollup retention deletes old buckets of the rollup tables that exist; a plain table is left alone', async () => {
  const url = await getTestDatabaseUrl();
  await migrate(url, { partition: 'none' });
  await addRows(url, 'old', '2020-01-01 00:00:00', 2);
  // The minute table alone, with only the columns retention reads: the hour table is absent.
  await query(url, 'DROP TABLE monitoring_rollup_minute, monitoring_rollup_hour');
  await query(
    url,
    `CREATE TABLE monitoring_rollup_minute (service_key text, location text, bucket timestamptz, total int,
       PRIMARY KEY (service_key, location, bucket))`,
  );
  await query(
    url,
    `INSERT INTO monitoring_rollup_minute VALUES ('a', 'x', '2026-11-01T00:00:00Z', 1), ('a', 'x', '2026-11-30T00:00:00Z', 1)`,
  );
  const report = await upkeep(url, { now: at(2026, 12, 3), retentionDays: 7, rollupRetentionDays: 10 });
  assert.deepEqual(report.lines, [
    'deleted 1 rows of monitoring_rollup_minute older than 2026-11-23 00:00:00 (retention 10 days)',
  ]);
  assert.deepEqual(report.notices, [
    'remote.retention_days is set but "public"."monitoring" is not partitioned: no row is dropped (monitor db partition converts it)',
  ]);
  const [n] = await query<{ n: number }>(url, 'SELECT count(*)::int AS n FROM monitoring');
  assert.equal(n!.n, 2, 'the plain table keeps its rows');
});
