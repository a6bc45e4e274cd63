import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startCountingServer, startDaemon, tempConfig } from '../helpers/daemon.js';
import { assertSameIds, readLocal, readRemote, until, waitDrained } from '../helpers/local-db.js';
import { getTestDatabaseUrl } from '../helpers/pg.js';
import { serviceConfig } from '../helpers/services.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';

test('SIGTERM during an export: exit 0 within the bound; each result either committed remotely or still queued', async () => {
  const target = await startCountingServer();
  const uri = await getTestDatabaseUrl();
  const u = new URL(uri);
  // Every chunk to and from PostgreSQL takes 700 ms: an export is always in flight.
  const proxy = await startTcpProxy(Number(u.port), { delayMs: 700 });
  u.port = String(proxy.port);
  const services = Array.from({ length: 40 }, (_, i) => serviceConfig(`${target.url}/term/${i}`));
  const cfg = tempConfig({ external_database_uri: u.toString(), services, export: { batch_size: 20 } });
  try {
    // Build a backlog first, so the export has work when the signal lands.
    const warm = startDaemon(cfg.configPath, ['--no-collect', '--no-export']);
    await warm.waitFor(/Starting Agent worker/, 20_000);
    await new Promise((r) => setTimeout(r, 6_000));
    assert.equal((await warm.stop('SIGTERM')).code, 0);

    const d = startDaemon(cfg.configPath, ['--no-collect']);
    await d.waitFor(/Starting Exporter worker/, 20_000);
    const moving = await until(() => proxy.bytes() > 0, 15_000, 50);
    assert.ok(moving, 'export traffic started');
    await new Promise((r) => setTimeout(r, 1_000));
    const stop = await d.stop('SIGTERM', 30_000);
    assert.equal(stop.code, 0, d.output().slice(-2000));
    // Drain bound: 10 s for probes + 5 s for the last export attempt + start-up slack.
    assert.ok(stop.elapsedMs < 20_000, `exit after ${stop.elapsedMs} ms`);

    const local = readLocal(cfg.dbPath);
    const remote = new Set((await readRemote(uri)).ids);
    for (const id of local.exportedIds)
      assert.ok(remote.has(id), 'marked exported ⇒ committed in PostgreSQL');
    for (const id of remote) assert.ok(local.ids.has(id), 'nothing in PostgreSQL that is not ours');

    // A clean restart (direct connection) sends the rest, exactly once.
    await proxy.close();
    cfg.write({ ...cfg.config, external_database_uri: uri });
    const again = startDaemon(cfg.configPath, ['--no-collect']);
    await again.waitFor(/Starting Agent worker/, 20_000);
    const drained = await waitDrained(cfg.dbPath, 30_000);
    assert.equal((await again.stop('SIGTERM', 30_000)).code, 0);
    assert.ok(drained);
    const finalLocal = readLocal(cfg.dbPath);
    assert.deepEqual(assertSameIds(finalLocal.ids, (await readRemote(uri)).ids), {
      missing: 0,
      extra: 0,
      dupes: 0,
    });
  } finally {
    await target.close();
    cfg.remove();
  }
});
