import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { migrateRemote } from '../../src/db/remote/migrate.js';
import type { RemoteTable } from '../../src/db/remote/table.js';
import { query } from '../export/fixtures.js';
import { getTestDatabaseUrl } from '../helpers/pg.js';

const TABLE: RemoteTable = { schema: 'ops', table: 'checks' };

async function migrate(url: string): Promise<string[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await migrateRemote(c, TABLE);
  } finally {
    await c.end();
  }
}

test('the fleet tables are created beside a configured table, in its schema, and again when dropped', async () => {
  const url = await getTestDatabaseUrl();
  const done = await migrate(url);
  assert.ok(done.includes('applied migration 0004_agents to "ops"."checks"'), done.join('\n'));
  assert.ok(done.includes('created table "ops"."checks_agents"'), done.join('\n'));
  assert.ok(done.includes('created table "ops"."checks_service_state"'), done.join('\n'));
  const tables = await query<{ t: string }>(
    url,
    `SELECT schemaname || '.' || tablename AS t FROM pg_tables
      WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`,
  );
  const made = tables.map((r) => r.t);
  for (const t of ['ops.checks', 'ops.checks_agents', 'ops.checks_service_state', 'ops.monitor_migrations']) {
    assert.ok(made.includes(t), `${t} in ${made.join(', ')}`);
  }
  assert.ok(
    made.every((t) => t.startsWith('ops.')),
    `every table in the configured schema: ${made.join(', ')}`,
  );
  const idx = await query<{ indexname: string }>(
    url,
    `SELECT indexname FROM pg_indexes WHERE schemaname = 'ops' AND tablename = 'checks_service_state' ORDER BY 1`,
  );
  assert.deepEqual(
    idx.map((r) => r.indexname),
    ['checks_service_state_agent_idx', 'checks_service_state_service_key_location_agent_pk'],
  );
  assert.deepEqual(await migrate(url), []);
  await query(url, 'DROP TABLE ops.checks_agents');
  const again = await migrate(url);
  assert.ok(again.includes('created table "ops"."checks_agents"'), again.join('\n'));
});
