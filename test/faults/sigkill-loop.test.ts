import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startCountingServer, startDaemon, tempConfig } from '../helpers/daemon.js';
import { assertSameIds, readLocal, readRemote, waitDrained } from '../helpers/local-db.js';
import { getTestDatabaseUrl } from '../helpers/pg.js';
import { serviceConfig } from '../helpers/services.js';

const KILLS = 25;
const SERVICES = 100;

test(`SIGKILL of monitor start at random moments under load, ${KILLS} times: every result exactly once in PostgreSQL`, async () => {
  const target = await startCountingServer();
  const uri = await getTestDatabaseUrl();
  const services = Array.from({ length: SERVICES }, (_, i) => serviceConfig(`${target.url}/kill/${i}`));
  const cfg = tempConfig({ external_database_uri: uri, services });
  try {
    for (let i = 0; i < KILLS; i++) {
      // --no-collect keeps every result locally, so the local ids are the full set to compare.
      const d = startDaemon(cfg.configPath, ['--no-collect']);
      await d.waitFor(/Starting Agent worker/, 20_000);
      await new Promise((r) => setTimeout(r, 300 + Math.floor(Math.random() * 2_200)));
      d.child.kill('SIGKILL');
      await d.exited;
    }
    const last = startDaemon(cfg.configPath, ['--no-collect']);
    await last.waitFor(/Starting Agent worker/, 20_000);
    const drained = await waitDrained(cfg.dbPath, 60_000);
    const stop = await last.stop('SIGTERM', 30_000);
    assert.equal(stop.code, 0);
    assert.ok(drained, 'the backlog drained');

    const local = readLocal(cfg.dbPath);
    assert.equal(local.integrity, 'ok');
    assert.ok(local.ids.size > KILLS * 10, `results were produced (${local.ids.size})`);
    assert.equal(local.unexported, 0);
    const remote = await readRemote(uri);
    assert.deepEqual(assertSameIds(local.ids, remote.ids), { missing: 0, extra: 0, dupes: 0 });
    assert.equal(remote.duplicateSlots, 0, 'no slot probed twice');
  } finally {
    await target.close();
    cfg.remove();
  }
});
