import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import pg from 'pg';
import {
  checkRemoteTable,
  migrateRemote,
  readJournal,
  readMigrations,
  remoteMigrationsFolder,
  retarget,
} from '../../../src/db/remote/migrate.js';
import type { RemoteTable } from '../../../src/db/remote/table.js';
import { DETAIL_COLUMNS, ORIGINAL_DDL, query } from '../../export/fixtures.js';
import { getTestDatabaseUrl } from '../../helpers/pg.js';

const ORIGINAL_COLUMNS = [
  'id',
  'local_id',
  'url',
  'method',
  'request_timestamp',
  'regex_check_required',
  'contains_regex',
  'contains_exception',
  'status_code',
  'response_timestamp',
  'regex',
  'exception',
  'local_created_at',
  'created_at',
];
const ADDED_COLUMNS = [
  'agent',
  'service_key',
  'scheduled_at',
  'started_at',
  'finished_at',
  'duration_ms',
  'ok',
  'error_class',
  'bytes_read',
  'truncated',
  'exported_at',
];
const ALL_COLUMNS = [...ORIGINAL_COLUMNS, ...ADDED_COLUMNS, ...DETAIL_COLUMNS, 'maintenance', 'location'];

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function columns(url: string, t: RemoteTable): Promise<string[]> {
  const rows = await query<{ column_name: string }>(
    url,
    `SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2
      ORDER BY ordinal_position`,
    [t.schema, t.table],
  );
  return rows.map((r) => r.column_name);
}

async function indexes(url: string, t: RemoteTable): Promise<string[]> {
  const rows = await query<{ indexname: string }>(
    url,
    'SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = $2 ORDER BY indexname',
    [t.schema, t.table],
  );
  return rows.map((r) => r.indexname);
}

const DEFAULT: RemoteTable = { schema: 'public', table: 'monitoring' };
const INCIDENTS: RemoteTable = { schema: 'public', table: 'monitoring_incidents' };
const INCIDENT_COLUMNS = [
  'id',
  'agent',
  'service_key',
  'url',
  'method',
  'kind',
  'opened_at',
  'resolved_at',
  'resolution',
  'cause',
  'first_result_id',
  'opening_result_id',
  'resolving_result_id',
  'version',
  'updated_at',
  'location',
];
const ROLLUP_MINUTE: RemoteTable = { schema: 'public', table: 'monitoring_rollup_minute' };
const ROLLUP_HOUR: RemoteTable = { schema: 'public', table: 'monitoring_rollup_hour' };
const ROLLUP_PENDING: RemoteTable = { schema: 'public', table: 'monitoring_rollup_pending' };
const ROLLUP_COLUMNS = [
  'service_key',
  'location',
  'bucket',
  'total',
  'up',
  'degraded',
  'down',
  'missed',
  'maintenance',
  'latency_count',
  'latency_sum_ms',
  'latency_min_ms',
  'latency_max_ms',
  'h_10',
  'h_25',
  'h_50',
  'h_100',
  'h_250',
  'h_500',
  'h_1000',
  'h_2500',
  'h_5000',
  'h_10000',
  'h_inf',
];

test('the journal is valid: strictly increasing timestamps, a SQL file per entry, a snapshot', () => {
  const folder = remoteMigrationsFolder();
  const entries = readJournal(folder);
  assert.ok(entries.length >= 1);
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    assert.equal(e.idx, i);
    assert.ok(existsSync(join(folder, `${e.tag}.sql`)), `${e.tag}.sql exists`);
    assert.ok(existsSync(join(folder, 'meta', `${String(i).padStart(4, '0')}_snapshot.json`)));
    if (i > 0) assert.ok(e.when > entries[i - 1]!.when, `${e.tag} is newer than the entry before it`);
  }
});

test('every statement is idempotent (IF NOT EXISTS), so an existing table can be adopted', () => {
  for (const m of readMigrations()) {
    for (const s of m.statements) {
      const sql = s.replace(/--[^\n]*\n/g, '').trim();
      if (/^(CREATE TABLE|CREATE INDEX|CREATE UNIQUE INDEX)/i.test(sql))
        assert.match(sql, /IF NOT EXISTS/i, sql);
      if (/^ALTER TABLE/i.test(sql) && /ADD COLUMN/i.test(sql))
        assert.match(sql, /ADD COLUMN IF NOT EXISTS/i, sql);
      assert.doesNotMatch(sql, /^DROP|RENAME|ALTER COLUMN .* TYPE/i, `no destructive statement: ${sql}`);
    }
  }
});

test('retarget qualifies the table and renames its indexes', () => {
  const s = 'CREATE INDEX IF NOT EXISTS "monitoring_x_idx" ON "monitoring" USING btree ("x")';
  assert.equal(
    retarget(s, { schema: 'ops', table: 'checks' }),
    'CREATE INDEX IF NOT EXISTS "checks_x_idx" ON "ops"."checks" USING btree ("x")',
  );
  assert.equal(
    retarget(s, { schema: 'public', table: 'monitoring_copy' }),
    'CREATE INDEX IF NOT EXISTS "monitoring_copy_x_idx" ON "public"."monitoring_copy" USING btree ("x")',
  );
  const inc =
    'CREATE INDEX IF NOT EXISTS "monitoring_incidents_open_idx" ON "monitoring_incidents" USING btree ("kind")';
  assert.equal(
    retarget(inc, { schema: 'ops', table: 'checks' }),
    'CREATE INDEX IF NOT EXISTS "checks_incidents_open_idx" ON "ops"."checks_incidents" USING btree ("kind")',
  );
  const rollup =
    'CREATE INDEX IF NOT EXISTS "monitoring_rollup_hour_bucket_idx" ON "monitoring_rollup_hour" USING btree ("bucket")';
  assert.equal(
    retarget(rollup, { schema: 'ops', table: 'checks' }),
    'CREATE INDEX IF NOT EXISTS "checks_rollup_hour_bucket_idx" ON "ops"."checks_rollup_hour" USING btree ("bucket")',
  );
  assert.throws(() => checkRemoteTable({ schema: 'public', table: 'a"; DROP TABLE x; --' }), /export.table/);
  assert.throws(() => checkRemoteTable({ schema: '', table: 'monitoring' }), /export.schema/);
});

test('migrate on an empty database creates the (plain) table and indexes; a second run does nothing', async () => {
  const url = await getTestDatabaseUrl();
  const first = await withClient(url, (c) => migrateRemote(c, DEFAULT, undefined, { partition: 'none' }));
  assert.ok(first.some((l) => l.includes('applied migration 0000_monitoring_table')));
  assert.ok(first.some((l) => l.startsWith('created table "public"."monitoring"')));
  assert.deepEqual(await columns(url, DEFAULT), ALL_COLUMNS);
  assert.deepEqual(await indexes(url, DEFAULT), [
    'monitoring_local_id_key',
    'monitoring_pkey',
    'monitoring_request_timestamp_idx',
    'monitoring_service_key_scheduled_at_idx',
  ]);
  assert.ok(first.includes('created table "public"."monitoring_incidents"'), first.join('\n'));
  assert.deepEqual(await columns(url, INCIDENTS), INCIDENT_COLUMNS);
  assert.deepEqual(await indexes(url, INCIDENTS), [
    'monitoring_incidents_open_idx',
    'monitoring_incidents_pkey',
    'monitoring_incidents_service_key_opened_at_idx',
  ]);
  for (const [t, unit] of [
    [ROLLUP_MINUTE, 'minute'],
    [ROLLUP_HOUR, 'hour'],
  ] as const) {
    assert.ok(first.includes(`created table "public"."monitoring_rollup_${unit}"`), first.join('\n'));
    assert.deepEqual(await columns(url, t), ROLLUP_COLUMNS);
    assert.deepEqual(await indexes(url, t), [
      `monitoring_rollup_${unit}_bucket_idx`,
      `monitoring_rollup_${unit}_pkey`,
    ]);
  }
  assert.ok(first.includes('created table "public"."monitoring_rollup_pending"'), first.join('\n'));
  assert.deepEqual(await columns(url, ROLLUP_PENDING), ROLLUP_COLUMNS);
  assert.deepEqual(await indexes(url, ROLLUP_PENDING), [], 'appends stay plain heap writes: no index');
  assert.deepEqual(
    await withClient(url, (c) => migrateRemote(c, DEFAULT, undefined, { partition: 'none' })),
    [],
  );
  const book = await query<{ table_name: string; tag: string }>(
    url,
    'SELECT table_name, tag FROM monitor_migrations',
  );
  assert.deepEqual(book, [
    { table_name: 'monitoring', tag: '0000_monitoring_table' },
    { table_name: 'monitoring', tag: '0001_result_details' },
    { table_name: 'monitoring', tag: '0002_incidents' },
    { table_name: 'monitoring', tag: '0003_rollups' },
    { table_name: 'monitoring', tag: '0004_agents' },
    { table_name: 'monitoring', tag: '0005_leases' },
  ]);
});

test("an existing table in the original's schema is adopted: columns added, old rows untouched", async () => {
  const url = await getTestDatabaseUrl();
  await query(url, ORIGINAL_DDL);
  await query(
    url,
    `INSERT INTO monitoring (local_id, url, method, request_timestamp, regex_check_required, contains_regex,
       contains_exception, status_code, response_timestamp, regex, exception, local_created_at)
     VALUES ('old-1', 'http://localhost:8000/test', 'GET', '2024-04-22 12:35:30.970', true, true, false, 200,
       '2024-04-22 12:35:31.002', 'ok', NULL, '2024-04-22 12:35:31.003')`,
  );
  const before = await query(url, 'SELECT * FROM monitoring');
  const done = await withClient(url, (c) => migrateRemote(c, DEFAULT));
  assert.ok(
    done.some((l) =>
      l.startsWith('adopted existing table "public"."monitoring": added columns agent, service_key'),
    ),
    done.join('\n'),
  );
  assert.deepEqual(await columns(url, DEFAULT), ALL_COLUMNS);
  const after = await query<Record<string, unknown>>(url, 'SELECT * FROM monitoring');
  assert.equal(after.length, 1);
  for (const c of ORIGINAL_COLUMNS) assert.deepEqual(after[0]![c], before[0]![c], c);
  for (const c of [...ADDED_COLUMNS, ...DETAIL_COLUMNS, 'location'])
    assert.equal(after[0]![c], null, `${c} is NULL on the old row`);
  assert.equal(
    after[0]!['maintenance'],
    false,
    'maintenance is false on the old row (NOT NULL DEFAULT false)',
  );
  assert.deepEqual(
    await columns(url, INCIDENTS),
    INCIDENT_COLUMNS,
    'the incidents table is created beside it',
  );
  assert.ok((await indexes(url, DEFAULT)).includes('monitoring_service_key_scheduled_at_idx'));
});

test('schema and table are configurable: two setups in one database migrate independently', async () => {
  const url = await getTestDatabaseUrl();
  const a: RemoteTable = { schema: 'ops', table: 'checks_a' };
  const b: RemoteTable = { schema: 'ops', table: 'checks_b' };
  const doneA = await withClient(url, (c) => migrateRemote(c, a));
  assert.ok(doneA.includes('created schema "ops"'));
  await withClient(url, (c) => migrateRemote(c, b));
  assert.deepEqual(await columns(url, a), ALL_COLUMNS);
  assert.deepEqual(await columns(url, b), ALL_COLUMNS);
  assert.ok((await indexes(url, b)).includes('checks_b_service_key_scheduled_at_idx'));
  // Each setup has its own incidents table, in the configured schema, named after its table.
  for (const t of [a, b]) {
    const inc = { schema: 'ops', table: `${t.table}_incidents` };
    assert.deepEqual(await columns(url, inc), INCIDENT_COLUMNS);
    assert.ok((await indexes(url, inc)).includes(`${t.table}_incidents_open_idx`));
  }
  assert.deepEqual(await columns(url, INCIDENTS), [], 'public.monitoring_incidents untouched');
  assert.deepEqual(await columns(url, DEFAULT), [], 'public.monitoring untouched');
  const book = await query(
    url,
    'SELECT table_name, count(*)::int AS n FROM ops.monitor_migrations GROUP BY 1 ORDER BY 1',
  );
  const n = readMigrations().length;
  assert.deepEqual(book, [
    { table_name: 'checks_a', n },
    { table_name: 'checks_b', n },
  ]);
});

test('two agents migrating at the same moment both succeed', async () => {
  const url = await getTestDatabaseUrl();
  const results = await Promise.all([1, 2, 3].map(() => withClient(url, (c) => migrateRemote(c, DEFAULT))));
  assert.equal(results.filter((r) => r.length > 0).length, 1, 'exactly one of them applied the migration');
  assert.deepEqual(await columns(url, DEFAULT), ALL_COLUMNS);
});

test('a table made by the previous release gains the detail columns and keeps its rows as they were', async () => {
  const url = await getTestDatabaseUrl();
  const all = readMigrations();
  const previous = all.filter((m) => m.tag === '0000_monitoring_table');
  assert.equal(previous.length, 1);
  await withClient(url, (c) => migrateRemote(c, DEFAULT, previous));
  assert.deepEqual(await columns(url, DEFAULT), [...ORIGINAL_COLUMNS, ...ADDED_COLUMNS]);
  await query(
    url,
    `INSERT INTO monitoring (local_id, url, method, request_timestamp, regex_check_required, contains_regex,
       contains_exception, status_code, local_created_at, agent, service_key, scheduled_at, ok, error_class)
     VALUES ('r-1', 'http://a/', 'GET', '2026-11-01 10:00:00', false, false, false, 200, '2026-11-01 10:00:00',
             'agent-a', 'svc', '2026-11-01 10:00:00Z', true, NULL),
            ('r-2', 'http://b/', 'GET', '2026-11-01 10:00:05', false, false, true, NULL, '2026-11-01 10:00:05',
             'agent-a', 'svc', '2026-11-01 10:00:05Z', false, 'connect')`,
  );
  const before = await query(url, 'SELECT * FROM monitoring ORDER BY id');

  const done = await withClient(url, (c) => migrateRemote(c, DEFAULT, all));
  assert.deepEqual(done, [
    'applied migration 0001_result_details to "public"."monitoring"',
    'applied migration 0002_incidents to "public"."monitoring"',
    'applied migration 0003_rollups to "public"."monitoring"',
    'applied migration 0004_agents to "public"."monitoring"',
    'applied migration 0005_leases to "public"."monitoring"',
    `adopted existing table "public"."monitoring": added columns ${DETAIL_COLUMNS.join(', ')}, maintenance, location; existing rows untouched`,
    'created table "public"."monitoring_incidents"',
    'created table "public"."monitoring_rollup_minute"',
    'created table "public"."monitoring_rollup_hour"',
    'created table "public"."monitoring_rollup_pending"',
    'created table "public"."monitoring_leases"',
    'created table "public"."monitoring_pool_members"',
    'created table "public"."monitoring_agents"',
    'created table "public"."monitoring_service_state"',
  ]);
  assert.deepEqual(await columns(url, DEFAULT), ALL_COLUMNS);
  const after = await query<Record<string, unknown>>(url, 'SELECT * FROM monitoring ORDER BY id');
  assert.equal(after.length, 2);
  for (let i = 0; i < 2; i++) {
    for (const c of [...ORIGINAL_COLUMNS, ...ADDED_COLUMNS]) assert.deepEqual(after[i]![c], before[i]![c], c);
    for (const c of [...DETAIL_COLUMNS, 'location'])
      assert.equal(after[i]![c], null, `${c} is NULL on an older row`);
    assert.equal(after[i]!['maintenance'], false);
  }
  const types = await query<{ column_name: string; data_type: string; is_nullable: string }>(
    url,
    `SELECT column_name, data_type, is_nullable FROM information_schema.columns
      WHERE table_schema = 'public' AND table_name = 'monitoring' AND column_name = ANY($1)`,
    [DETAIL_COLUMNS],
  );
  const typeOf = new Map(types.map((r) => [r.column_name, r.data_type]));
  assert.equal(typeOf.get('conditions'), 'jsonb');
  assert.equal(typeOf.get('cert_expires_at'), 'timestamp with time zone');
  assert.equal(typeOf.get('cert_chain_expires_at'), 'timestamp with time zone');
  assert.equal(typeOf.get('dns_ms'), 'integer');
  assert.equal(typeOf.get('state'), 'text');
  assert.ok(types.every((r) => r.is_nullable === 'YES'));
  assert.deepEqual(await withClient(url, (c) => migrateRemote(c, DEFAULT, all)), [], 'nothing left to do');
});

test('an incidents table dropped by hand is created again by the next migrate', async () => {
  const url = await getTestDatabaseUrl();
  await withClient(url, (c) => migrateRemote(c, DEFAULT));
  await query(url, 'DROP TABLE monitoring_incidents');
  const done = await withClient(url, (c) => migrateRemote(c, DEFAULT));
  assert.deepEqual(done, [
    'applied migration 0002_incidents to "public"."monitoring"',
    'applied migration 0003_rollups to "public"."monitoring"',
    'existing table "public"."monitoring" already had every column',
    'created table "public"."monitoring_incidents"',
  ]);
  assert.deepEqual(await columns(url, INCIDENTS), INCIDENT_COLUMNS);
});

test('rollup tables dropped by hand are created again, schema-qualified, by the next migrate', async () => {
  const url = await getTestDatabaseUrl();
  const ops: RemoteTable = { schema: 'ops', table: 'checks' };
  await withClient(url, (c) => migrateRemote(c, ops));
  await query(url, 'DROP TABLE ops.checks_rollup_minute, ops.checks_rollup_hour, ops.checks_rollup_pending');
  const done = await withClient(url, (c) => migrateRemote(c, ops));
  assert.deepEqual(done, [
    'applied migration 0003_rollups to "ops"."checks"',
    'existing table "ops"."checks" already had every column',
    'created table "ops"."checks_rollup_minute"',
    'created table "ops"."checks_rollup_hour"',
    'created table "ops"."checks_rollup_pending"',
  ]);
  assert.deepEqual(await columns(url, { schema: 'ops', table: 'checks_rollup_pending' }), ROLLUP_COLUMNS);
  for (const unit of ['minute', 'hour']) {
    const t = { schema: 'ops', table: `checks_rollup_${unit}` };
    assert.deepEqual(await columns(url, t), ROLLUP_COLUMNS);
    assert.deepEqual(await indexes(url, t), [
      `checks_rollup_${unit}_bucket_idx`,
      `checks_rollup_${unit}_pkey`,
    ]);
  }
  assert.deepEqual(await columns(url, ROLLUP_MINUTE), [], 'nothing in public');
  assert.deepEqual(await columns(url, ROLLUP_PENDING), [], 'nothing in public');
});
