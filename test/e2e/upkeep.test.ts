import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import pg from 'pg';
import { migrateRemote } from '../../src/db/remote/migrate.js';
import { partitionName, periodStart } from '../../src/db/remote/partitions.js';
import { query } from '../export/fixtures.js';
import { startCountingServer, startDaemon, tempConfig } from '../helpers/daemon.js';
import { getTestDatabaseUrl } from '../helpers/pg.js';
import { serviceConfig } from '../helpers/services.js';

const target = await startCountingServer();
after(() => target.close());
const DAY = 86_400_000;

test('the daemon runs upkeep at start: partitions past retention_days dropped, today and ahead created', async () => {
  const url = await getTestDatabaseUrl();
  // A table made ten days ago: its partitions cover ten to seven days back, none of today.
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await migrateRemote(c, { schema: 'public', table: 'monitoring' }, undefined, {
      now: Date.now() - 10 * DAY,
    });
  } finally {
    await c.end();
  }
  const today = periodStart('day', Date.now());
  const old = partitionName('monitoring', today - 10 * DAY);
  const cfg = tempConfig({
    external_database_uri: url,
    services: [serviceConfig(`${target.url}/a`)],
    remote: { retention_days: 2, partitions_ahead: 2 },
  });
  try {
    const d = startDaemon(cfg.configPath);
    try {
      await d.waitFor(new RegExp(`dropped partition ${old} `), 30_000);
      await d.waitFor(/Exported \d+ records/, 30_000);
    } finally {
      assert.equal((await d.stop()).code, 0, d.output().slice(-2000));
    }
    const out = d.output();
    for (const k of [0, 1, 2]) {
      assert.match(out, new RegExp(`created partition ${partitionName('monitoring', today + k * DAY)} `));
    }
    const parts = await query<{ name: string }>(
      url,
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'monitoring'::regclass ORDER BY 1`,
    );
    assert.deepEqual(
      parts.map((p) => p.name),
      ['monitoring_default', ...[0, 1, 2].map((k) => partitionName('monitoring', today + k * DAY))],
      'the four old partitions are gone',
    );
    const rows = await query<{ p: string }>(
      url,
      'SELECT DISTINCT tableoid::regclass::text AS p FROM monitoring',
    );
    assert.deepEqual(
      rows,
      [{ p: partitionName('monitoring', today) }],
      "the daemon's rows are in today's partition",
    );
  } finally {
    cfg.remove();
  }
});
