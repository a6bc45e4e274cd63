import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startCountingServer, startDaemon, tempConfig } from '../helpers/daemon.js';
import { assertSameIds, readLocal, readRemote, waitDrained } from '../helpers/local-db.js';
import { freePort, getTestDatabaseUrl } from '../helpers/pg.js';
import { serviceConfig } from '../helpers/services.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const cases: Array<{ name: string; breakUri: (good: URL) => Promise<URL>; log: RegExp }> = [
  {
    name: 'wrong password',
    breakUri: async (u) => {
      u.password = 'definitely-wrong-secret-42';
      return u;
    },
    log: /authentication/i,
  },
  {
    name: 'unknown database',
    breakUri: async (u) => {
      u.pathname = '/no_such_database_here';
      return u;
    },
    log: /no_such_database_here|does not exist/i,
  },
  {
    name: 'unreachable port',
    breakUri: async (u) => {
      u.port = String(await freePort());
      return u;
    },
    log: /ECONNREFUSED|refused/i,
  },
];

for (const c of cases) {
  test(`${c.name}: a clear log line, monitoring goes on, results kept and exported once the config is fixed`, async () => {
    const target = await startCountingServer();
    const good = await getTestDatabaseUrl();
    const bad = (await c.breakUri(new URL(good))).toString();
    const services = Array.from({ length: 5 }, (_, i) => serviceConfig(`${target.url}/bad/${i}`));
    const cfg = tempConfig({ external_database_uri: bad, services });
    try {
      const d = startDaemon(cfg.configPath, ['--no-collect']);
      await d.waitFor(c.log, 20_000);
      await sleep(6_000);
      assert.equal(d.child.exitCode, null, 'still running');
      const before = readLocal(cfg.dbPath);
      assert.ok(before.ids.size >= 5, `results kept locally (${before.ids.size})`);
      assert.equal(before.exportedIds.size, 0);

      cfg.write({ ...cfg.config, external_database_uri: good });
      await d.waitFor(/Configuration reloaded/, 5_000);
      const drained = await waitDrained(cfg.dbPath, 30_000);
      const stop = await d.stop('SIGTERM', 30_000);
      assert.equal(stop.code, 0);
      assert.ok(drained, 'exported after the fix');
      const local = readLocal(cfg.dbPath);
      const remote = await readRemote(good);
      assert.deepEqual(assertSameIds(local.ids, remote.ids), { missing: 0, extra: 0, dupes: 0 });

      const out = d.output();
      for (const secret of [new URL(good).password, new URL(bad).password]) {
        assert.ok(secret && !out.includes(secret), 'no password in the output');
      }
      // Logged once per state change, not once per retry.
      assert.ok((out.match(c.log)?.length ?? 0) <= 3, 'not logged on every attempt');
    } finally {
      await target.close();
      cfg.remove();
    }
  });
}
