import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { OverloadMeter } from '../../src/jobs/overload.js';
import { createLogger } from '../../src/log/logger.js';
import { startDaemon, tempConfig } from '../helpers/daemon.js';
import { startSlowServer } from '../helpers/http-servers.js';
import { serviceConfig } from '../helpers/services.js';

function capture() {
  const lines: Array<{ level: number; msg: string; overload?: number }> = [];
  const logger = createLogger({
    format: 'json',
    level: 'debug',
    stream: new Writable({
      write(chunk, _enc, cb) {
        lines.push(JSON.parse(String(chunk)));
        cb();
      },
    }),
  });
  return { lines, logger };
}

test('overload meter: due ÷ started per period, logged once when it starts and once when it ends', () => {
  const { lines, logger } = capture();
  const m = new OverloadMeter(logger, 1000);
  m.update(0, 0, 0);
  // 100 started and nothing missed: not overloaded.
  m.update(1000, 100, 0);
  assert.equal(m.ratio, null);
  // 100 started, 50 missed for capacity: 1.5× what it runs.
  m.update(2000, 200, 50);
  assert.equal(m.ratio, 1.5);
  // Within the period: no new verdict.
  m.update(2500, 1000, 50);
  assert.equal(m.ratio, 1.5);
  m.update(3000, 1000, 450);
  assert.equal(m.ratio, 1.5);
  const warnings = lines.filter((l) => /is overloaded/.test(l.msg));
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!.msg, /1\.50× what it can run/);
  m.update(4000, 1100, 450);
  assert.equal(m.ratio, null);
  assert.equal(lines.filter((l) => /no longer overloaded/.test(l.msg)).length, 1);
});

test('monitor start past its caps: overload logged once with its size, every unrun slot written as missed', async () => {
  // 200 services every 5 s at one origin that answers in 100 ms, one request at a time:
  // 40 due per second, 10 can run.
  const slow = await startSlowServer(100);
  const services = Array.from({ length: 200 }, (_, i) =>
    serviceConfig(`${slow.url}o/${i}`, { interval_sec: 5, timeout: 2 }),
  );
  const cfg = tempConfig({ external_database_uri: null, services, runner: { per_origin: 1 } });
  try {
    const d = startDaemon(cfg.configPath, ['--no-export']);
    await d.waitFor(/is overloaded/, 30_000);
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal((await d.stop('SIGTERM', 20_000)).code, 0);
    const warnings = d
      .output()
      .split('\n')
      .filter((l) => l.includes('is overloaded'));
    assert.equal(warnings.length, 1, warnings.join('\n'));
    const ratio = (JSON.parse(warnings[0]!) as { overload: number }).overload;
    // 4× is due; slots of a service whose previous probe still waited are not counted, so the
    // figure is a lower bound past 2×.
    assert.ok(ratio > 1.5 && ratio < 8, `overload ${ratio}`);

    const db = new Database(cfg.dbPath, { readonly: true });
    const rows = db
      .prepare('SELECT url, scheduled_at AS at, error_class AS cls FROM results')
      .all() as Array<{
      url: string;
      at: number;
      cls: string | null;
    }>;
    db.close();
    let ran = 0;
    for (const s of services) {
      const mine = rows.filter((r) => r.url === s.url).sort((a, b) => a.at - b.at);
      // Every slot from the first to the last has its one row: run, or written as missed.
      for (let i = 1; i < mine.length; i++) assert.equal(mine[i]!.at - mine[i - 1]!.at, 5000, s.url);
      ran += mine.filter((r) => r.cls !== 'missed').length;
    }
    // The origin runs ~10 a second, and it did not collapse below that.
    assert.ok(ran > 0 && ran <= rows.length / 2, `ran ${ran} of ${rows.length}`);
  } finally {
    await slow.close();
    cfg.remove();
  }
});
