import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { startDaemon, tempConfig } from '../helpers/daemon.js';
import { startSlowServer } from '../helpers/http-servers.js';
import { serviceConfig } from '../helpers/services.js';

const INTERVAL_S = 5;
const FREEZE_MS = 40_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * SIGSTOP for 40 s while probes are in flight, then SIGCONT: longer than a probe job's lease
 * (~19 s here), so the next claim used to bury the daemon's own in-flight jobs as abandoned, and
 * their results were then refused by the fence: 32 slots had no row and nothing was logged. Every
 * slot from the first to the last must have exactly one row, and those due during the freeze are
 * `missed` (not run late in a burst after SIGCONT).
 */
test('a 40 s SIGSTOP with probes in flight: every slot has exactly one row, the frozen ones missed', async () => {
  // Each probe takes 3 s of its 5 s interval: whenever the process stops, probes are in flight.
  const slow = await startSlowServer(3000);
  const services = Array.from({ length: 12 }, (_, i) =>
    serviceConfig(`${slow.url}freeze/${i}`, { interval_sec: INTERVAL_S, timeout: 4 }),
  );
  const cfg = tempConfig({ external_database_uri: null, services });
  try {
    const d = startDaemon(cfg.configPath, ['--no-export']);
    await d.waitFor(/Starting Agent worker/, 20_000);
    await sleep(8000);
    process.kill(d.pid, 'SIGSTOP');
    const frozenAt = Date.now();
    await sleep(FREEZE_MS);
    process.kill(d.pid, 'SIGCONT');
    const resumedAt = Date.now();
    await sleep(15_000);
    assert.equal((await d.stop('SIGTERM', 30_000)).code, 0);
    assert.match(d.output(), /did not run for \d+\.\d s/);

    const db = new Database(cfg.dbPath, { readonly: true });
    const rows = db
      .prepare('SELECT url, scheduled_at AS at, started_at AS started, error_class AS cls FROM results')
      .all() as Array<{ url: string; at: number; started: number | null; cls: string | null }>;
    db.close();

    const intervalMs = INTERVAL_S * 1000;
    let missedInFreeze = 0;
    for (const s of services) {
      const mine = rows.filter((r) => r.url === s.url).sort((a, b) => a.at - b.at);
      assert.ok(mine.length >= 10, `${s.url}: ${mine.length} rows`);
      for (let i = 1; i < mine.length; i++) {
        const gap = mine[i]!.at - mine[i - 1]!.at;
        assert.equal(
          gap,
          intervalMs,
          `${s.url}: slots ${mine[i - 1]!.at} → ${mine[i]!.at} (a missing or doubled row)`,
        );
      }
      for (const r of mine) {
        // A slot due well inside the freeze was not probed late after it.
        if (r.at > frozenAt + 1000 && r.at < resumedAt - 1000) {
          assert.equal(r.cls, 'missed', `${s.url} slot at ${r.at - frozenAt} ms into the freeze: ${r.cls}`);
          missedInFreeze++;
        }
      }
    }
    // 12 services × ~7 slots each fell inside the freeze.
    assert.ok(missedInFreeze >= 12 * 6, `missed slots inside the freeze: ${missedInFreeze}`);
  } finally {
    await slow.close();
    cfg.remove();
  }
});
