import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readConfig, writeConfig } from '../../src/config/file.js';
import type { MonitorConfig } from '../../src/config/types.js';
import { ConfigError } from '../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'monitor-config-file-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Exactly what the original tool wrote: its six service keys, and its misspelt OPTION. */
const ORIGINAL = {
  local_database_path: '/var/lib/monitoring/local-database.sqlite3',
  external_database_uri: 'postgresql://test:1234567890@127.0.0.1:5432/test',
  services: [
    {
      url: 'http://localhost:8000/',
      method: 'GET',
      check_regex: false,
      regex: null,
      interval_sec: 5,
      timeout: 15,
    },
    {
      url: 'http://localhost:8000/x',
      method: 'OPTION',
      check_regex: true,
      regex: 'ok',
      interval_sec: 60,
      timeout: 3,
    },
  ],
};

function expectConfigError(fn: () => unknown, pattern: RegExp, code = 'E_CONFIG'): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.equal(err.exitCode, 2);
    assert.match(err.message, pattern);
    assert.ok(!err.message.includes('\n'), 'one line');
    return true;
  });
}

test('a file in the original format loads unchanged; OPTION reads as OPTIONS; unknown keys kept', () => {
  const path = join(dir, 'original');
  writeFileSync(path, JSON.stringify({ ...ORIGINAL, extra_top: 1 }));
  const config = readConfig(path);
  assert.equal(config.services.length, 2);
  assert.equal(config.services[1]?.method, 'OPTIONS');
  assert.equal(config.services[1]?.regex, 'ok');
  assert.equal(config.external_database_uri, ORIGINAL.external_database_uri);
  assert.equal(config['extra_top'], 1);
});

test('missing file: E_CONFIG_MISSING naming the path and `monitor config create`', () => {
  const path = join(dir, 'nope', 'monitoring-config');
  expectConfigError(
    () => readConfig(path),
    /no config file at .*nope\/monitoring-config.*monitor config create/,
    'E_CONFIG_MISSING',
  );
});

test('a directory, a FIFO and a path under a file are reported, never read', () => {
  const asDir = join(dir, 'is-a-dir');
  mkdirSync(asDir);
  expectConfigError(() => readConfig(asDir), /is-a-dir: it is a directory/);
  const fifo = join(dir, 'fifo');
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
  // Reading a FIFO would block this test forever; the stat check must come first.
  expectConfigError(() => readConfig(fifo), /fifo: not a regular file/);
  const file = join(dir, 'plain-file');
  writeFileSync(file, '{}');
  expectConfigError(
    () => readConfig(join(file, 'config')),
    /plain-file\/config: a parent of the path is not a directory/,
  );
});

test('malformed JSON names the path and does not quote the password', () => {
  const path = join(dir, 'broken');
  writeFileSync(path, '{"external_database_uri": "postgresql://u:hunter2secret@h/db", }');
  assert.throws(
    () => readConfig(path),
    (err: Error) => {
      assert.match(err.message, /broken is not valid JSON/);
      assert.ok(!err.message.includes('hunter2secret'));
      return true;
    },
  );
});

test('wrong field types are named', () => {
  const cases: [unknown, RegExp][] = [
    [[], /top level, got a list/],
    [
      { ...ORIGINAL, local_database_path: 5 },
      /local_database_path must be a non-empty string, got the number 5/,
    ],
    [{ ...ORIGINAL, services: {} }, /services must be a list/],
    [
      { ...ORIGINAL, services: [{ ...ORIGINAL.services[0], interval_sec: '5' }] },
      /services\[0\] \(http:\/\/localhost:8000\/ GET\): interval_sec must be a number, got a string/,
    ],
    [
      { ...ORIGINAL, services: [{ ...ORIGINAL.services[0], check_regex: 'yes' }] },
      /check_regex must be true or false/,
    ],
    [{ ...ORIGINAL, services: [{ ...ORIGINAL.services[0], method: 'FETCH' }] }, /method must be one of/],
    [
      { ...ORIGINAL, services: [{ ...ORIGINAL.services[0], tls_verify: 'no' }] },
      /tls_verify must be true or false/,
    ],
  ];
  for (const [content, pattern] of cases) {
    const path = join(dir, 'typed');
    writeFileSync(path, JSON.stringify(content));
    expectConfigError(() => readConfig(path), pattern);
  }
});

test('value rules apply by default and can be skipped to repair a file', () => {
  const path = join(dir, 'bad-values');
  writeFileSync(
    path,
    JSON.stringify({ ...ORIGINAL, services: [{ ...ORIGINAL.services[0], interval_sec: 4 }] }),
  );
  expectConfigError(
    () => readConfig(path),
    /services\[0\] \(http:\/\/localhost:8000\/ GET\): interval must be between 5 and 300/,
  );
  assert.equal(readConfig(path, { validate: false }).services[0]?.interval_sec, 4);
});

test('writeConfig: 0700 directory, 0600 file, no temp files left, unknown keys round-trip', () => {
  const path = join(dir, 'new-dir', 'monitoring-config');
  const config = { ...ORIGINAL, future_key: { a: [1, 2] } } as unknown as MonitorConfig;
  writeConfig(path, config);
  assert.equal(statSync(join(dir, 'new-dir')).mode & 0o777, 0o700);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.deepEqual(readdirSync(join(dir, 'new-dir')), ['monitoring-config']);
  const back = readConfig(path);
  assert.deepEqual(back['future_key'], { a: [1, 2] });
  writeConfig(path, back);
  assert.deepEqual(JSON.parse(readFileSync(path, 'utf8'))['future_key'], { a: [1, 2] });
});

test('writeConfig without overwrite refuses an existing file and leaves it as it was', () => {
  const path = join(dir, 'existing');
  writeFileSync(path, 'precious');
  expectConfigError(
    () => writeConfig(path, ORIGINAL as unknown as MonitorConfig, { overwrite: false }),
    /already exists; pass --force/,
  );
  assert.equal(readFileSync(path, 'utf8'), 'precious');
  assert.deepEqual(
    readdirSync(dir).filter((n) => n.endsWith('.tmp')),
    [],
  );
});
