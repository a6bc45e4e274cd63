import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readConfig } from '../../src/config/file.js';
import { resolveHttp } from '../../src/config/http-settings.js';
import { httpProblems, isLoopback, parseListen } from '../../src/config/http-validate.js';
import { maskedConfig, restoreMaskedSecrets } from '../../src/config/masked-secrets.js';
import type { MonitorConfig } from '../../src/config/types.js';
import { MonitorError } from '../../src/errors.js';
import { scrub } from '../../src/log/secrets.js';
import { runMonitor } from '../helpers/cli.js';

const base = {
  local_database_path: '/tmp/x.sqlite3',
  external_database_uri: null,
  services: [
    {
      url: 'http://127.0.0.1:1/',
      method: 'GET',
      check_regex: false,
      regex: null,
      interval_sec: 5,
      timeout: 3,
    },
  ],
};

test('listen addresses: HOST:PORT and [IPv6]:PORT, nothing else', () => {
  assert.deepEqual(parseListen('127.0.0.1:9464'), { host: '127.0.0.1', port: 9464 });
  assert.deepEqual(parseListen('[::1]:80'), { host: '::1', port: 80 });
  assert.deepEqual(parseListen('localhost:0'), { host: 'localhost', port: 0 });
  for (const bad of [
    '127.0.0.1',
    ':9464',
    '::1:80',
    '[::1]',
    '[127.0.0.1]:80',
    'a b:1',
    '1.2.3.4:70000',
    'x:-1',
  ]) {
    assert.equal(typeof parseListen(bad), 'string', bad);
  }
  assert.ok(
    isLoopback('127.0.0.1') && isLoopback('127.8.0.1') && isLoopback('::1') && isLoopback('LOCALHOST'),
  );
  assert.ok(
    !isLoopback('0.0.0.0') && !isLoopback('::') && !isLoopback('10.0.0.1') && !isLoopback('example.com'),
  );
});

test('the http section is checked when the file is read, the token never quoted', () => {
  const dir = mkdtempSync(join(tmpdir(), 'http-settings-'));
  try {
    const path = join(dir, 'cfg');
    const cases: Array<[unknown, RegExp]> = [
      ['yes', /http must be an object/],
      [{ listen: '9464' }, /http\.listen: listen address must be HOST:PORT/],
      [{ public: 'no' }, /http\.public must be true or false/],
      [{ token: 42 }, /http\.token must be a string or null/],
      [{ token: 'short-secret' }, /http\.token must be at least 16 characters/],
      [{ token: '${}' }, /http\.token: empty reference/],
    ];
    for (const [http, message] of cases) {
      writeFileSync(path, JSON.stringify({ ...base, http }));
      assert.throws(() => readConfig(path), message);
    }
    assert.deepEqual(
      httpProblems({ token: 'short-secret' }).join(),
      'http.token must be at least 16 characters (or a ${NAME} reference)',
    );
    writeFileSync(
      path,
      JSON.stringify({ ...base, http: { listen: '[::1]:9999', token: '${LIVE_TOKEN}', public: false } }),
    );
    assert.equal(readConfig(path).http?.listen, '[::1]:9999');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('beyond loopback needs a token or public mode asked for; the token is a secret', () => {
  const refused = (() => {
    try {
      resolveHttp(undefined, { listen: '0.0.0.0:9464' }, {});
    } catch (err) {
      return err as MonitorError;
    }
    return null;
  })();
  assert.ok(refused instanceof MonitorError);
  assert.equal(refused.exitCode, 2);
  assert.match(refused.message, /^refusing to serve HTTP on 0\.0\.0\.0:9464 without a token/);
  assert.deepEqual(resolveHttp(undefined, {}, {}), {
    enabled: true,
    host: '127.0.0.1',
    port: 9464,
    listen: '127.0.0.1:9464',
    token: null,
    public: false,
  });
  assert.equal(resolveHttp(undefined, { listen: '0.0.0.0:1', public: true }, {}).enabled, true);
  assert.equal(resolveHttp({ public: true, listen: '0.0.0.0:1' }, {}, {}).enabled, true);
  assert.equal(resolveHttp({ listen: '0.0.0.0:1' }, { disabled: true }, {}).enabled, false);
  assert.equal(resolveHttp({ enabled: false }, {}, {}).enabled, false);
  const secret = 'tok-0123456789-abcdefXYZ';
  const r = resolveHttp({ listen: '0.0.0.0:1', token: '${LIVE_TOKEN}' }, {}, { LIVE_TOKEN: secret });
  assert.ok(r.enabled && r.token === secret);
  assert.equal(scrub(`Bearer ${secret}`), 'Bearer ****');
  assert.throws(
    () => resolveHttp({ token: '${NOPE_NOT_SET}' }, {}, {}),
    /http\.token: environment variable NOPE_NOT_SET is not set/,
  );
});

test('config export masks a literal token, shows a reference, and import keeps the masked one', () => {
  const literal = 'literal-token-0123456789';
  const cfg = { ...base, http: { token: literal } } as unknown as MonitorConfig;
  const shown = maskedConfig(cfg);
  assert.equal(shown.http?.token, '***');
  assert.ok(!JSON.stringify(shown).includes(literal));
  const ref = { ...base, http: { token: '${LIVE_TOKEN}' } } as unknown as MonitorConfig;
  assert.equal(maskedConfig(ref).http?.token, '${LIVE_TOKEN}');
  const back = restoreMaskedSecrets(cfg, shown);
  assert.deepEqual(back.problems, []);
  assert.equal(back.config.http?.token, literal);
  const orphan = restoreMaskedSecrets(ref, shown);
  assert.match(orphan.problems.join('\n'), /http\.token: the value is masked/);
});

test('config show --json and config export never print a literal token', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'http-show-'));
  const literal = 'literal-token-0123456789';
  try {
    const path = join(dir, 'cfg');
    writeFileSync(path, JSON.stringify({ ...base, http: { token: literal } }), { mode: 0o600 });
    for (const args of [
      ['config', 'show', '--json'],
      ['config', 'export'],
    ]) {
      const r = await runMonitor([...args, '--config-path', path]);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(!(r.stdout + r.stderr).includes(literal), args.join(' '));
      assert.match(r.stdout, /"token": "\*\*\*"/);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
