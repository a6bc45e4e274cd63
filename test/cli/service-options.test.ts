import assert from 'node:assert/strict';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import type { MonitorConfig, ServiceConfig } from '../../src/config/types.js';
import { lines, makeTempHome, type RunResult, runMonitor } from '../helpers/cli.js';

/**
 * Issue 14's request options and conditions on `monitor config services add|update|show`, through
 * the real binary in a temporary HOME: every flag lands in the file as given, `${NAME}` references
 * are stored (never their values), update appends or clears as documented, and show masks secrets.
 */

const h = makeTempHome('monitor-service-options-');
const file = (name: string) => join(h.path, name);
/** Secrets given on the command line; none may be printed by any command here. */
const HEADER_SECRET = 'hdr-Secret-Value-71';
const BEARER_SECRET = 'bearer-Secret-Token-72';
const BASIC_SECRET = 'basic-Secret-Pass-73';
const ENV_SECRET = 'env-Secret-Value-74';
const printed: string[] = [];

async function monitor(args: string[], env?: NodeJS.ProcessEnv): Promise<RunResult> {
  const r = await runMonitor(args, { home: h.path, env });
  printed.push(r.stdout, r.stderr);
  return r;
}

async function ok(args: string[], env?: NodeJS.ProcessEnv): Promise<RunResult> {
  const r = await monitor(args, env);
  assert.equal(r.code, 0, `monitor ${args.join(' ')} failed: ${r.stderr}`);
  return r;
}

function services(): ServiceConfig[] {
  return (JSON.parse(readFileSync(h.configPath, 'utf8')) as MonitorConfig).services;
}

/** The one service whose URL is `url`. */
function service(url: string): ServiceConfig {
  const found = services().filter((s) => s.url === url);
  assert.equal(found.length, 1, `one service ${url}`);
  return found[0]!;
}

/** NUMBER of the service whose URL is `url` (services show --json is in NUMBER order). */
async function numberOf(url: string): Promise<string> {
  const shown = JSON.parse((await ok(['config', 'services', 'show', '--json'])).stdout) as {
    number: number;
    url: string;
  }[];
  return String(shown.find((s) => s.url === url)!.number);
}

before(async () => {
  await ok(['config', 'create', 'postgresql://u:p@127.0.0.1:5432/db']);
  for (const name of ['cert.pem', 'key.pem', 'ca.pem']) writeFileSync(file(name), `${name}\n`);
  writeFileSync(file('body.json'), '{"ping":true}');
});
after(() => h.cleanup());

const API = 'https://10.0.0.7:8443/v1/ping';

test('every add flag round-trips into the file as given', async () => {
  await ok([
    'config',
    'services',
    'add',
    API,
    'POST',
    '-q',
    '--header',
    `X-Api-Key: ${HEADER_SECRET}`,
    '--header',
    'Accept:application/json',
    '--body',
    '{"ping":true}',
    '--content-type',
    'application/json',
    '--bearer',
    BEARER_SECRET,
    '--client-cert',
    file('cert.pem'),
    '--client-key',
    file('key.pem'),
    '--ca-file',
    file('ca.pem'),
    '--server-name',
    'api.example.com',
    '--condition',
    '[STATUS] == 200',
    '--condition',
    '[BODY].status == UP',
    '--degraded-when',
    '[RESPONSE_TIME] > 2s',
  ]);
  assert.deepEqual(service(API), {
    url: API,
    method: 'POST',
    check_regex: false,
    regex: null,
    interval_sec: 5,
    timeout: 15,
    headers: { 'X-Api-Key': HEADER_SECRET, Accept: 'application/json' },
    body: '{"ping":true}',
    content_type: 'application/json',
    bearer: BEARER_SECRET,
    client_cert: file('cert.pem'),
    client_key: file('key.pem'),
    ca_file: file('ca.pem'),
    server_name: 'api.example.com',
    conditions: ['[STATUS] == 200', '[BODY].status == UP'],
    degraded_when: ['[RESPONSE_TIME] > 2s'],
  });
});

test('a relative path is stored absolute (from the cwd); --basic-auth and --body-file round-trip', async () => {
  const url = 'http://127.0.0.1:9/form';
  const args = ['config', 'services', 'add', url, 'PUT', '-q', '--body-file', 'body.json'];
  const r = await runMonitor([...args, '--basic-auth', `bob:${BASIC_SECRET}`], { home: h.path, cwd: h.path });
  printed.push(r.stdout, r.stderr);
  assert.equal(r.code, 0, r.stderr);
  const s = service(url);
  assert.equal(s.body_file, file('body.json'));
  assert.equal(s.basic_auth, `bob:${BASIC_SECRET}`);
});

test('update: --condition appends, --clear-conditions replaces, --no-X and --no-header clear', async () => {
  const n = await numberOf(API);
  await ok(['config', 'services', 'update', n, '-q', '--condition', '[BODY].version == 2']);
  assert.deepEqual(service(API).conditions, [
    '[STATUS] == 200',
    '[BODY].status == UP',
    '[BODY].version == 2',
  ]);
  assert.deepEqual(service(API).degraded_when, ['[RESPONSE_TIME] > 2s']);

  await ok(['config', 'services', 'update', n, '-q', '--clear-conditions', '--condition', '[STATUS] == 204']);
  assert.deepEqual(service(API).conditions, ['[STATUS] == 204']);
  assert.equal('degraded_when' in service(API), false, 'degraded_when emptied and left out of the file');

  // A header of the same name (any case) is replaced; the others stay.
  await ok(['config', 'services', 'update', n, '-q', '--header', 'accept: text/plain']);
  assert.deepEqual(service(API).headers, { 'X-Api-Key': HEADER_SECRET, accept: 'text/plain' });
  await ok(['config', 'services', 'update', n, '-q', '--no-header', '--header', 'X-Only: 1']);
  assert.deepEqual(service(API).headers, { 'X-Only': '1' });

  await ok(['config', 'services', 'update', n, '-q', '--no-bearer', '--basic-auth', `ann:${BASIC_SECRET}`]);
  await ok(['config', 'services', 'update', n, '-q', '--no-client-cert', '--no-client-key', '--no-ca-file']);
  await ok(['config', 'services', 'update', n, '-q', '--no-body', '--no-content-type', '--no-server-name']);
  const s = service(API);
  for (const gone of [
    'bearer',
    'client_cert',
    'client_key',
    'ca_file',
    'body',
    'content_type',
    'server_name',
  ]) {
    assert.equal(gone in s, false, `${gone} removed from the file`);
  }
  assert.equal(s.basic_auth, `ann:${BASIC_SECRET}`);
});

test(`a \${NAME} not set here: a warning, exit 0, the file keeps the reference`, async () => {
  const url = 'https://example.com/env';
  const r = await ok(
    [
      'config',
      'services',
      'add',
      url,
      'GET',
      '-q',
      '--bearer',
      `\${MONITOR_TEST_NEVER_SET_71}`,
      '--header',
      `X-Set: \${MONITOR_TEST_SET_74}`,
    ],
    { MONITOR_TEST_SET_74: ENV_SECRET },
  );
  const warnings = lines(r.stderr);
  assert.equal(warnings.length, 1, r.stderr);
  assert.match(
    warnings[0]!,
    /^monitor: warning: environment variable MONITOR_TEST_NEVER_SET_71 is not set here/,
  );
  assert.match(r.stdout, /Service was successfully added/);
  const s = service(url);
  assert.equal(s.bearer, `\${MONITOR_TEST_NEVER_SET_71}`);
  assert.deepEqual(s.headers, { 'X-Set': `\${MONITOR_TEST_SET_74}` });
  assert.ok(!readFileSync(h.configPath, 'utf8').includes(ENV_SECRET), 'the value is never stored');
});

test('a variable from the env_file (relative to the config) counts as set: no warning', async () => {
  const envFile = join(dirname(h.configPath), 'monitor.env');
  writeFileSync(envFile, '# secrets for monitor start\nMONITOR_TEST_FROM_FILE="x y"\n', { mode: 0o600 });
  chmodSync(envFile, 0o600);
  const config = JSON.parse(readFileSync(h.configPath, 'utf8')) as MonitorConfig;
  writeFileSync(h.configPath, JSON.stringify({ ...config, env_file: 'monitor.env' }), { mode: 0o600 });
  const r = await ok([
    'config',
    'services',
    'add',
    'https://example.com/from-file',
    'GET',
    '-q',
    '--bearer',
    `\${MONITOR_TEST_FROM_FILE}`,
  ]);
  assert.equal(r.stderr, '');
});

test(`show masks header values, the basic_auth password and the bearer; a \${NAME} is shown as written`, async () => {
  await ok([
    'config',
    'services',
    'add',
    'https://example.com/masked',
    'POST',
    '-q',
    '--header',
    `Cookie: ${HEADER_SECRET}`,
    '--bearer',
    BEARER_SECRET,
  ]);
  const outputs = await Promise.all([
    ok(['config', 'services', 'show']),
    ok(['config', 'services', 'show', '--json']),
    ok(['config', 'services', 'show', '--numbered']),
    ok(['config', 'show']),
  ]);
  for (const r of outputs) {
    for (const secret of [HEADER_SECRET, BEARER_SECRET, BASIC_SECRET]) {
      assert.ok(!r.stdout.includes(secret) && !r.stderr.includes(secret), `${secret} shown:\n${r.stdout}`);
    }
  }
  const json = JSON.parse(outputs[1]!.stdout) as ServiceConfig[];
  const byUrl = (url: string) => json.find((s) => s.url === url)!;
  assert.deepEqual(byUrl('https://example.com/masked').headers, { Cookie: '***' });
  assert.equal(byUrl('https://example.com/masked').bearer, '***');
  assert.equal(byUrl('http://127.0.0.1:9/form').basic_auth, 'bob:***');
  assert.equal(byUrl('https://example.com/env').bearer, `\${MONITOR_TEST_NEVER_SET_71}`);
  assert.deepEqual(byUrl('https://example.com/env').headers, { 'X-Set': `\${MONITOR_TEST_SET_74}` });
  assert.match(outputs[0]!.stdout, /\$\{MONITOR_TEST_NEVER_SET_71\}/);
  assert.match(outputs[0]!.stdout, /\{"Cookie":"\*\*\*"\}/);
});

test('no secret given on a command line was printed by any command of this file', () => {
  assert.ok(printed.length >= 20);
  for (const text of printed) {
    for (const secret of [HEADER_SECRET, BEARER_SECRET, BASIC_SECRET, ENV_SECRET]) {
      assert.ok(!text.includes(secret), `${secret} printed: ${text}`);
    }
  }
});
