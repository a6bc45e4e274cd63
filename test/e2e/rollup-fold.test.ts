import assert from 'node:assert/strict';
import { test } from 'node:test';
import { query } from '../export/fixtures.js';
import { startCountingServer, startDaemon, tempConfig } from '../helpers/daemon.js';
import { getTestDatabaseUrl } from '../helpers/pg.js';
import { assertRollupsMatchRaw } from '../helpers/rollups.js';
import { serviceConfig } from '../helpers/services.js';

/**
 * A real daemon's `rollup` job (src/daemon/rollup-fold.ts, every 30 s and at its first tick): the
 * rollup tables are only ever written by the fold, so rows there while the daemon runs are its
 * fold's; after the stop, what is still pending plus the rollups equals the raw rows.
 */
test('a running daemon folds the pending rollup rows into the rollup tables', async (t) => {
  const target = await startCountingServer();
  t.after(() => target.close());
  const uri = await getTestDatabaseUrl();
  const services = Array.from({ length: 50 }, (_, i) => serviceConfig(`${target.url}/fold/${i}`));
  const config = tempConfig({ external_database_uri: uri, services, agent_name: 'agent-fold' });
  t.after(() => config.remove());
  const daemon = startDaemon(config.configPath, ['--no-collect']);
  t.after(() => (daemon.child.exitCode === null ? daemon.stop('SIGKILL') : undefined));
  await daemon.waitFor(/Exported \d+ records/, 30_000);
  // The next period's run (at most 30 s away) finds the rows exported since.
  await daemon.waitFor(/pending rollup rows folded/, 45_000);
  const [folded] = await query<{ n: number }>(
    uri,
    'SELECT coalesce(sum(total), 0)::int AS n FROM monitoring_rollup_minute',
  );
  assert.ok((folded?.n ?? 0) > 0, 'the daemon folded rows into the minute rollups');
  const stopped = await daemon.stop('SIGTERM', 20_000);
  assert.equal(stopped.code, 0);
  // Rows exported after the last fold stay pending (durable; the next run of any agent folds them).
  const check = await assertRollupsMatchRaw(uri);
  assert.ok(check.raw >= (folded?.n ?? 0));
  assert.deepEqual(check.locations, ['agent-fold']);
});
