import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { query } from '../export/fixtures.js';
import { runMonitor } from '../helpers/cli.js';
import { type DaemonProcess, startCountingServer, startDaemon, tempConfig } from '../helpers/daemon.js';
import { assertSameIds, readLocal, readRemote, until, waitDrained } from '../helpers/local-db.js';
import { getTestDatabaseUrl } from '../helpers/pg.js';
import { serviceConfig } from '../helpers/services.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Listed {
  total: number;
  results: Array<{ id: string; url: string; sqlstate: string | null; reason: string }>;
}

test('a user index and a user trigger refuse two services under monitor start: the rest exported, their rows set aside, listed and re-sent once after the fix', async () => {
  const target = await startCountingServer();
  const uri = await getTestDatabaseUrl();
  // Random, so PostgreSQL cannot compress the key under the btree limit (2704 bytes); within the
  // config's 2083-character URL limit, the user's index holds the url twice.
  const hugeUrl = `${target.url}/huge/${randomBytes(1500).toString('base64url')}`;
  const blockedUrl = `${target.url}/blocked`;
  const services = [
    ...Array.from({ length: 6 }, (_, i) => serviceConfig(`${target.url}/ok/${i}`)),
    serviceConfig(hugeUrl),
    serviceConfig(blockedUrl),
  ];
  const cfg = tempConfig({ external_database_uri: uri, services });
  const cli = async (...args: string[]) => {
    const r = await runMonitor(['db', ...args, '--config-path', cfg.configPath]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout;
  };
  const listed = async () => JSON.parse(await cli('rejected', '--json')) as Listed;
  let d: DaemonProcess | undefined;
  try {
    await cli('migrate');
    await query(uri, 'CREATE INDEX user_url_lookup ON monitoring (lower(url), url)');
    await query(
      uri,
      `CREATE FUNCTION refuse_blocked() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF NEW.url LIKE '%/blocked' THEN RAISE EXCEPTION 'url % is blocked', NEW.url; END IF;
         RETURN NEW;
       END $$;
       CREATE TRIGGER refuse_blocked BEFORE INSERT ON monitoring FOR EACH ROW EXECUTE FUNCTION refuse_blocked();`,
    );

    d = startDaemon(cfg.configPath, ['--no-collect']);
    await d.waitFor(/Exported \d+ records/, 20_000);
    // Listed while the daemon runs: both refused services have at least one result set aside.
    let list: Listed = { total: 0, results: [] };
    const bothAside = await until(
      async () => {
        list = await listed();
        const urls = new Set(list.results.map((r) => r.url));
        return urls.has(hugeUrl) && urls.has(blockedUrl);
      },
      30_000,
      1000,
    );
    assert.ok(bothAside, `${JSON.stringify(list)}\n${d.output().slice(-3000)}`);
    assert.ok(await waitDrained(cfg.dbPath, 30_000), 'everything else is exported');
    for (const r of list.results) {
      if (r.url === hugeUrl) {
        assert.equal(r.sqlstate, '54000');
        // A partitioned table (the default) names its partition's copy of the index: <partition>_lower_url_idx.
        assert.match(r.reason, /index row size .*(user_url_lookup|monitoring_p\d{8}_lower_url_idx)/);
      } else {
        assert.equal(r.url, blockedUrl);
        assert.equal(r.sqlstate, 'P0001');
        assert.match(r.reason, /is blocked/);
      }
    }
    const remoteMidway = await readRemote(uri);
    // Each healthy result older than a few seconds is exported (waitDrained), the first among them.
    assert.ok(remoteMidway.ids.length > 0, 'the healthy services results arrived');
    const [refused] = await query<{ n: string }>(
      uri,
      'SELECT count(*) AS n FROM monitoring WHERE url IN ($1, $2)',
      [hugeUrl, blockedUrl],
    );
    assert.equal(refused?.n, '0');
    const asideIds = list.results.map((r) => r.id);

    await query(uri, 'DROP INDEX user_url_lookup; DROP TRIGGER refuse_blocked ON monitoring');
    // A single-row insert already on its way when the index went may still be refused: let it land.
    await sleep(1500);
    const requeued = JSON.parse(await cli('rejected', '--retry', '--json')) as { requeued: number };
    assert.ok(requeued.requeued >= 2, JSON.stringify(requeued));
    const cleared = await until(async () => (await listed()).total === 0, 20_000, 1000);
    assert.ok(cleared, 'nothing is set aside any more');
    assert.ok(await waitDrained(cfg.dbPath, 30_000), 'the re-queued rows are exported');
    const stop = await d.stop('SIGTERM', 30_000);
    assert.equal(stop.code, 0, d.output().slice(-2000));

    const local = readLocal(cfg.dbPath);
    const remote = await readRemote(uri);
    assert.equal(local.integrity, 'ok');
    assert.equal(local.unexported, 0, 'every result exported, the re-sent ones too');
    assert.deepEqual(assertSameIds(local.ids, remote.ids), { missing: 0, extra: 0, dupes: 0 });
    for (const id of asideIds) assert.equal(remote.ids.filter((r) => r === id).length, 1, `${id} once`);
    const out = d.output();
    assert.match(out, /result set aside: PostgreSQL refused the row: .*SQLSTATE 54000/);
    assert.match(out, /result set aside: PostgreSQL refused the row: .*SQLSTATE P0001/);
    assert.doesNotMatch(out, /lost connection/, 'a refused row is not a lost connection');
  } finally {
    // A failed assertion must not leave the daemon running (the test would hang until its timeout).
    if (d && d.child.exitCode === null && d.child.signalCode === null)
      await d.stop('SIGKILL').catch(() => {});
    await target.close();
    cfg.remove();
  }
});
