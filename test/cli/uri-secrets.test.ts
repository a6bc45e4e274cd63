import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { serviceKey } from '../../src/config/service-key.js';
import { maskUri } from '../../src/config/uri.js';
import { fileDigest, lines, makeTempHome, runMonitor } from '../helpers/cli.js';
import { refusedUrl } from '../helpers/http-servers.js';

/**
 * Issue 12, item 2: a password given as a query parameter (`?password=`, `sslpassword`, `sslkey`)
 * is masked wherever a URI is shown, and malformed percent-encoding is a usage error naming the
 * field. Runs the real binary in a temporary HOME.
 */

const QP = 'Qu3ryPassw0rd';
const SSLPW = 'SslKeyPassphr4se';
const KEY = '/secret/keys/client.key';
const h = makeTempHome('monitor-uri-secrets-');
after(() => h.cleanup());

function assertNoSecret(text: string, where: string): void {
  for (const s of [QP, SSLPW, KEY, encodeURIComponent(KEY)]) {
    assert.ok(!text.includes(s), `${where} shows ${s}:\n${text}`);
  }
}

test('the query-parameter password is masked by config create, config show, databases show --json', async () => {
  const uri = `postgresql://mon@127.0.0.1:5432/db?sslmode=require&password=${QP}&sslpassword=${SSLPW}&sslkey=${encodeURIComponent(KEY)}`;
  const created = await runMonitor(['config', 'create', uri], { home: h.path });
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.stdout, /password=\*\*\*\*&sslpassword=\*\*\*\*&sslkey=\*\*\*\*/);
  assertNoSecret(created.stdout + created.stderr, 'config create');
  for (const args of [
    ['config', 'show'],
    ['config', 'show', '--json'],
    ['config', 'databases', 'show'],
    ['config', 'databases', 'show', '--json'],
  ]) {
    const r = await runMonitor(args, { home: h.path });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /sslmode=require/, 'the other parameters are shown as they are');
    assertNoSecret(r.stdout + r.stderr, args.join(' '));
  }
});

test('db migrate against an unreachable server names the URI with its query password masked', async () => {
  const port = new URL(await refusedUrl()).port;
  const r0 = await runMonitor(
    ['config', 'create', '--force', `postgresql://mon@127.0.0.1:${port}/db?password=${QP}`],
    { home: h.path },
  );
  assert.equal(r0.code, 0, r0.stderr);
  const r = await runMonitor(['db', 'migrate'], { home: h.path });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /cannot migrate postgresql:\/\/mon@127\.0\.0\.1:\d+\/db\?password=\*\*\*\*/);
  assertNoSecret(r.stdout + r.stderr, 'db migrate');
});

test('a raw % in a password is a usage error naming the field (exit 2, one line), the file unchanged', async () => {
  const before = fileDigest(h.configPath);
  const cases: [string[], RegExp][] = [
    [
      ['config', 'create', '--force', 'postgresql://mon:50%off@127.0.0.1/db'],
      /external database URI: the password is not valid percent-encoding/,
    ],
    [
      ['config', 'databases', 'update', '--external-uri', 'postgresql://mon:50%off@127.0.0.1/db'],
      /external database URI: the password/,
    ],
    [
      ['config', 'create', '--force', 'postgresql://m%zzon:pw@127.0.0.1/db'],
      /external database URI: the user name is not valid/,
    ],
    [
      ['config', 'services', 'add', 'http://bob:50%off@127.0.0.1:8080/', 'GET'],
      /the URL password is not valid percent-encoding/,
    ],
    [
      ['config', 'create', '--force', 'postgresql://mon:pw@127.0.0.1:0/db'],
      /external database URI: invalid port 0/,
    ],
    [['config', 'services', 'add', 'http://127.0.0.1:0/', 'GET'], /URL port must be 1\.\.65535, got 0/],
  ];
  for (const [args, error] of cases) {
    const r = await runMonitor(args, { home: h.path });
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(lines(r.stderr).length, 1, r.stderr);
    assert.match(r.stderr, error);
    assert.ok(!r.stderr.includes('50%off') && !r.stderr.includes('URI malformed'), r.stderr);
    assert.equal(fileDigest(h.configPath), before, `${args.join(' ')} changed the file`);
  }
});

test('a config file with a malformed password: start and db migrate fail with exit 2 naming the field', async () => {
  const home = makeTempHome('monitor-uri-bad-file-');
  try {
    const text = `${JSON.stringify({
      local_database_path: `${home.path}/local.sqlite3`,
      external_database_uri: 'postgresql://mon:50%off@127.0.0.1/db',
      services: [],
    })}\n`;
    const path = `${home.path}/cfg.json`;
    writeFileSync(path, text, { mode: 0o600 });
    for (const args of [
      ['db', 'migrate'],
      ['start', '--yes'],
    ]) {
      const r = await runMonitor([...args, '--config-path', path], { home: home.path });
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /external database URI: the password is not valid percent-encoding/);
      assert.ok(!r.stderr.includes('50%off'), r.stderr);
    }
  } finally {
    home.cleanup();
  }
});

test('maskUri: one rule for database URIs and service URLs; a URI without secrets is returned as written', () => {
  assert.equal(maskUri('postgresql://u:p@h:5432/d'), 'postgresql://u:****@h:5432/d');
  assert.equal(
    maskUri('postgresql://u@h/d?PassWord=x&application_name=a'),
    'postgresql://u@h/d?PassWord=****&application_name=a',
  );
  assert.equal(
    maskUri('http://user:secret@example.test/x?password=y'),
    'http://user:****@example.test/x?password=****',
  );
  assert.equal(maskUri('http://user@Example.test'), 'http://user@Example.test');
  assert.equal(maskUri('HTTP://Example.test:8080'), 'HTTP://Example.test:8080');
  assert.equal(maskUri('not a url //u:p@h?password=x'), 'not a url //****@h?password=****');
});

test('service keys: unchanged for URLs without credentials; the password is not part of the key', () => {
  const s = { url: 'http://localhost:8000/', method: 'GET', check_regex: false, regex: null } as const;
  const old = createHash('sha256').update('GET\nhttp://localhost:8000/\n0\n').digest('hex').slice(0, 16);
  assert.equal(serviceKey(s), old);
  const a = serviceKey({ ...s, url: 'http://u:one@localhost:8000/' });
  const b = serviceKey({ ...s, url: 'http://u:two@localhost:8000/' });
  assert.equal(a, b, 'a password change keeps the key (and so the service history)');
  assert.notEqual(a, serviceKey(s));
});
