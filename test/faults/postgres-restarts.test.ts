import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startCountingServer, startDaemon, tempConfig } from '../helpers/daemon.js';
import { assertSameIds, readLocal, readRemote, waitDrained } from '../helpers/local-db.js';
import { createDatabaseOn, startTestPostgres } from '../helpers/pg.js';
import { serviceConfig } from '../helpers/services.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('PostgreSQL stopped for 10 s, then restarted fast 10 times: no crash, nothing lost or doubled, probes on time, one log line per state change', async () => {
  const target = await startCountingServer();
  const server = await startTestPostgres();
  const uri = await createDatabaseOn(server.url);
  const services = Array.from({ length: 40 }, (_, i) => serviceConfig(`${target.url}/pg/${i}`));
  const cfg = tempConfig({ external_database_uri: uri, services });
  try {
    const d = startDaemon(cfg.configPath, ['--no-collect']);
    await d.waitFor(/Exported \d+ records/, 20_000);

    await server.stop();
    await sleep(10_000);
    await server.start();
    await d.waitFor(/restored/i, 30_000);

    for (let i = 0; i < 10; i++) {
      await server.stop();
      await sleep(300);
      await server.start();
      await sleep(700);
    }
    const drained = await waitDrained(cfg.dbPath, 40_000);
    const stop = await d.stop('SIGTERM', 30_000);
    assert.equal(stop.code, 0, d.output().slice(-2000));
    assert.ok(drained, 'backlog drained after the restarts');

    const local = readLocal(cfg.dbPath);
    assert.equal(local.integrity, 'ok');
    assert.equal(local.missed, 0, 'no probe slot was missed while PostgreSQL was away');
    const remote = await readRemote(uri);
    assert.deepEqual(assertSameIds(local.ids, remote.ids), { missing: 0, extra: 0, dupes: 0 });

    // State changes are logged, not attempts: at most one "lost" per outage (11), at least the long one.
    const out = d.output();
    const lost = out.match(/lost connection to PostgreSQL/gi)?.length ?? 0;
    const restored = out.match(/connection to PostgreSQL restored/gi)?.length ?? 0;
    assert.ok(lost >= 1 && lost <= 11, `lost lines: ${lost}`);
    assert.ok(restored >= 1 && restored <= lost, `restored lines: ${restored} for ${lost} lost`);
    assert.ok(!out.includes(server.password), 'password never printed');
  } finally {
    await server.destroy();
    await target.close();
    cfg.remove();
  }
});
