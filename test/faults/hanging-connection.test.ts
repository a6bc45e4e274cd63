import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startCountingServer, startDaemon, tempConfig } from '../helpers/daemon.js';
import { assertSameIds, readLocal, readRemote, waitDrained } from '../helpers/local-db.js';
import { getTestDatabaseUrl } from '../helpers/pg.js';
import { serviceConfig } from '../helpers/services.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';

test('a PostgreSQL connection that hangs mid-batch times out, is retried, and nothing is lost or doubled', async () => {
  const target = await startCountingServer();
  const uri = await getTestDatabaseUrl();
  const u = new URL(uri);
  const proxy = await startTcpProxy(Number(u.port));
  u.port = String(proxy.port);
  const services = Array.from({ length: 40 }, (_, i) => serviceConfig(`${target.url}/hang/${i}`));
  const cfg = tempConfig({
    external_database_uri: u.toString(),
    services,
    export: { statement_timeout_ms: 2_000, batch_size: 50 },
  });
  try {
    const d = startDaemon(cfg.configPath, ['--no-collect']);
    await d.waitFor(/Exported \d+ records/, 20_000);
    proxy.freeze();
    await new Promise((r) => setTimeout(r, 8_000));
    assert.equal(d.child.exitCode, null, 'still running while the connection hangs');
    proxy.thaw();
    const drained = await waitDrained(cfg.dbPath, 60_000);
    const stop = await d.stop('SIGTERM', 30_000);
    assert.equal(stop.code, 0, d.output().slice(-2000));
    assert.ok(drained, `backlog drained after the hang:\n${d.output().slice(-2000)}`);
    const local = readLocal(cfg.dbPath);
    const remote = await readRemote(uri);
    assert.deepEqual(
      assertSameIds(local.ids, remote.ids),
      { missing: 0, extra: 0, dupes: 0 },
      d.output().slice(-4000),
    );
    assert.equal(local.missed, 0);
  } finally {
    await proxy.close();
    await target.close();
    cfg.remove();
  }
});
