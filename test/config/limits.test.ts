import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readConfig } from '../../src/config/file.js';
import { LIMITS } from '../../src/config/limits.js';
import { createConfig, fileDigest, lines, makeTempHome, runMonitor } from '../helpers/cli.js';

/**
 * Issue 12, item 11: every number that reaches a timer or a statement has a documented minimum and
 * maximum, checked at `services add`/`update` and when the file is loaded; port 0 is refused; a
 * relative local_database_path is relative to the config file, not to the current directory.
 */

const dir = mkdtempSync(join(tmpdir(), 'monitor-limits-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const service = {
  url: 'http://127.0.0.1:8080/',
  method: 'GET',
  check_regex: false,
  regex: null,
  interval_sec: 5,
  timeout: 3,
};
const base = { local_database_path: '/tmp/x.sqlite3', external_database_uri: null, services: [service] };

/** Node's timers (and PostgreSQL's statement_timeout) stop at 2^31-1 ms. */
const TIMER_MAX_MS = 2 ** 31 - 1;

test('the bounds of the time fields fit in a timer and keep it above zero', () => {
  for (const [field, ms] of [
    ['timeout', 1000],
    ['interval_sec', 1000],
    ['export.statement_timeout_ms', 1],
  ] as const) {
    const l = LIMITS[field];
    assert.ok(l.min * ms >= 1 && l.max * ms <= TIMER_MAX_MS, field);
    assert.ok(l.default >= l.min && l.default <= l.max, field);
  }
});

test('out-of-range numbers in the file are refused when it is loaded, naming the field', () => {
  const path = join(dir, 'cfg');
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [
      { export: { statement_timeout_ms: 3_000_000_000 } },
      /export\.statement_timeout_ms must be between 100 and 600000 ms, got 3000000000/,
    ],
    [{ export: { statement_timeout_ms: 5 } }, /export\.statement_timeout_ms must be between/],
    [
      { services: [{ ...service, timeout: 1e9 }] },
      /services\[0\].*timeout must be between 0\.1 and 600 seconds, got 1000000000/,
    ],
    [
      { services: [{ ...service, timeout: 1e-9 }] },
      /services\[0\].*timeout must be between 0\.1 and 600 seconds, got 1e-9/,
    ],
    [
      { services: [{ ...service, url: 'http://127.0.0.1:0/' }] },
      /services\[0\].*port must be 1\.\.65535, got 0/,
    ],
    [{ runner: { concurrency: 1e9 } }, /runner\.concurrency must be between 1 and 10000/],
    [{ export: { batch_size: 10_000_000 } }, /export\.batch_size must be between/],
    [{ buffer: { max_rows: 1e12 } }, /buffer\.max_rows must be between/],
  ];
  for (const [extra, message] of cases) {
    writeFileSync(path, JSON.stringify({ ...base, ...extra }));
    assert.throws(() => readConfig(path), message);
  }
});

test('monitor start on a file with statement_timeout_ms 3000000000: exit 2, one line naming the field', async () => {
  const path = join(dir, 'start-cfg');
  writeFileSync(path, JSON.stringify({ ...base, export: { statement_timeout_ms: 3_000_000_000 } }));
  const r = await runMonitor(['start', '--yes', '--config-path', path]);
  assert.equal(r.code, 2, r.stderr);
  assert.equal(lines(r.stderr).length, 1, r.stderr);
  assert.match(r.stderr, /export\.statement_timeout_ms must be between 100 and 600000 ms/);
});

test('--timeout 1e9 and 1e-9: services add/update and probe refuse them (exit 2), the file unchanged', async () => {
  const h = makeTempHome('monitor-limits-home-');
  try {
    await createConfig(h.path);
    const added = await runMonitor(['config', 'services', 'add', 'http://127.0.0.1:8080/', 'GET'], {
      home: h.path,
    });
    assert.equal(added.code, 0, added.stderr);
    const before = fileDigest(h.configPath);
    for (const value of ['1e9', '1e-9', '600.5', '0.05']) {
      for (const args of [
        ['config', 'services', 'add', 'http://127.0.0.1:8081/', 'GET', '--timeout', value],
        ['config', 'services', 'update', '0', '--timeout', value],
        ['probe', 'http://127.0.0.1:9/', '--timeout', value],
      ]) {
        const r = await runMonitor(args, { home: h.path });
        assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
        assert.equal(lines(r.stderr).length, 1, r.stderr);
        assert.match(r.stderr, /timeout must be between 0\.1 and 600 seconds/);
        assert.equal(fileDigest(h.configPath), before);
      }
    }
    const ok = await runMonitor(['config', 'services', 'update', '0', '--timeout', '600'], { home: h.path });
    assert.equal(ok.code, 0, ok.stderr);
  } finally {
    h.cleanup();
  }
});

test('a relative local_database_path is relative to the config file, whatever the current directory; ~ is home', () => {
  const cfgDir = join(dir, 'conf');
  mkdirSync(cfgDir, { recursive: true });
  const path = join(cfgDir, 'monitoring-config');
  writeFileSync(path, JSON.stringify({ ...base, local_database_path: 'data/local.sqlite3' }));
  const cwd = process.cwd();
  try {
    for (const from of [dir, tmpdir()]) {
      process.chdir(from);
      assert.equal(readConfig(path).local_database_path, join(cfgDir, 'data/local.sqlite3'));
    }
  } finally {
    process.chdir(cwd);
  }
  writeFileSync(path, JSON.stringify({ ...base, local_database_path: '~/mon/local.sqlite3' }));
  const home = process.env['HOME'];
  process.env['HOME'] = '/home/someone';
  try {
    assert.equal(readConfig(path).local_database_path, '/home/someone/mon/local.sqlite3');
  } finally {
    process.env['HOME'] = home;
  }
  // The config commands keep the path as written (they write the file back).
  assert.equal(
    readConfig(path, { validate: false, resolvePaths: false }).local_database_path,
    '~/mon/local.sqlite3',
  );
});
