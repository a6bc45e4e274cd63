import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { fileDigest, lines, makeTempHome, type RunResult, runMonitor } from '../helpers/cli.js';

/**
 * Issue 14, config as code: `monitor config validate`, `export` and `import`, through the real
 * binary on real files in a temporary HOME.
 */

const PASSWORD = 'Db-Pa55word-xyz';
const URL_PASSWORD = 'url-s3cret-99';
const TOKEN = 'tok-s3cret-42';
const URI = `postgresql://mon:${PASSWORD}@127.0.0.1:5432/metrics`;
const homes: ReturnType<typeof makeTempHome>[] = [];
/** Everything printed in this file, checked for both passwords at the end. */
const printed: string[] = [];
after(() => {
  for (const h of homes) h.cleanup();
});

/** A config with two services (one with a password in its URL) and unknown keys at both levels. */
function home(): ReturnType<typeof makeTempHome> & { file: (name: string, text: string) => string } {
  const h = makeTempHome('monitor-config-code-');
  homes.push(h);
  const config = {
    local_database_path: '/var/lib/monitor/local.sqlite3',
    external_database_uri: URI,
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
        url: `http://alice:${URL_PASSWORD}@localhost:8000/openapi.json`,
        method: 'GET',
        check_regex: true,
        regex: '\\{"openapi":"3\\.1\\.0"',
        interval_sec: 30,
        timeout: 5,
        note: { owner: 'team-a' },
      },
    ],
    agent_name: 'agent-1',
    future_key: [1, 2],
  };
  const h2 = {
    ...h,
    file: (name: string, text: string) => {
      const p = join(h.path, name);
      writeFileSync(p, text);
      return p;
    },
  };
  mkdirSync(dirname(h.configPath), { recursive: true });
  writeFileSync(h.configPath, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  return h2;
}

async function monitor(h: { path: string }, args: string[]): Promise<RunResult> {
  const r = await runMonitor(args, { home: h.path });
  printed.push(r.stdout, r.stderr);
  return r;
}

async function ok(h: { path: string }, args: string[]): Promise<string> {
  const r = await monitor(h, args);
  assert.equal(r.code, 0, `monitor ${args.join(' ')} failed: ${r.stderr}`);
  assert.equal(r.stderr, '');
  return r.stdout;
}

test('validate: a good file is "ok: N services", exit 0', async () => {
  const h = home();
  assert.equal(await ok(h, ['config', 'validate']), 'ok: 2 services\n');
});

test('validate: every problem is listed, one line each naming service, URL and field; exit 2, file unchanged', async () => {
  const h = home();
  const config = JSON.parse(readFileSync(h.configPath, 'utf8'));
  config.services[0].interval_sec = 2;
  config.services[0].regex = '(';
  config.services[1].timeout = 'soon';
  config.services[1].url = `http://alice:${URL_PASSWORD}@localhost:8000/ x`;
  config.services.push({ url: 'ftp://files/', method: 'FETCH' });
  config.runner = { per_origin: 0 };
  writeFileSync(h.configPath, JSON.stringify(config, null, 2));
  const before = fileDigest(h.configPath);
  const r = await monitor(h, ['config', 'validate']);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  const out = lines(r.stderr);
  assert.match(out[0] ?? '', /^monitor: error: config .*monitoring-config has 7 problems:$/);
  const problems = out.slice(1).map((l) => l.trim());
  assert.deepEqual(problems.sort(), [
    'runner.per_origin must be a positive whole number, got 0',
    'services[0] (http://localhost:8000/ GET): interval must be between 5 and 300 seconds, got 2',
    'services[0] (http://localhost:8000/ GET): regex does not compile: /(/: Unterminated group',
    // maskUri re-serialises a URL whose password it masks: the space shows as %20.
    "services[1] (http://alice:****@localhost:8000/%20x GET): URL must not contain spaces: 'http://alice:****@localhost:8000/%20x'",
    'services[1] (http://alice:****@localhost:8000/%20x GET): timeout must be a number, got a string',
    "services[2] (ftp://files/ FETCH): URL must start with http:// or https://, got 'ftp://files/'",
    "services[2] (ftp://files/ FETCH): method must be one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, got 'FETCH'",
  ]);
  assert.ok(!/line \d/.test(r.stderr), 'no line numbers');
  assert.equal(fileDigest(h.configPath), before);
});

test('validate: a bad condition and a bad header (in two services) are both listed, with a missing body file; exit 2', async () => {
  const h = home();
  const config = JSON.parse(readFileSync(h.configPath, 'utf8'));
  config.services[0].conditions = ['[STATUS] == 200', '[STATUS] =! 200'];
  Object.assign(config.services[1], {
    method: 'POST',
    headers: { 'Bad Header': 'x' },
    body_file: 'missing-body.json',
  });
  writeFileSync(h.configPath, JSON.stringify(config, null, 2));
  const before = fileDigest(h.configPath);
  const r = await monitor(h, ['config', 'validate']);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  const out = lines(r.stderr);
  assert.match(out[0] ?? '', /^monitor: error: config .*monitoring-config has 3 problems:$/);
  const problems = out.slice(1).map((l) => l.trim());
  assert.equal(problems.length, 3, r.stderr);
  assert.match(problems[0] ?? '', /^services\[0\] \(http:\/\/localhost:8000\/ GET\): .*=! 200/);
  const second = /^services\[1\] \(http:\/\/alice:\*\*\*\*@localhost:8000\/openapi\.json POST\): /;
  assert.match(problems[1] ?? '', second);
  assert.match(problems[1] ?? '', /header name 'Bad Header' is not a valid HTTP token$/);
  assert.match(problems[2] ?? '', second);
  assert.match(problems[2] ?? '', /cannot read body_file .*missing-body\.json: no such file$/);
  assert.equal(fileDigest(h.configPath), before);
});

test('export: JSON (the default) and YAML carry the same document, the file keys in order, secrets masked', async () => {
  const h = home();
  const file = JSON.parse(readFileSync(h.configPath, 'utf8'));
  const json = await ok(h, ['config', 'export']);
  const yaml = await ok(h, ['config', 'export', '--format', 'yaml']);
  assert.equal(await ok(h, ['config', 'export', '--format', 'json']), json);
  const fromJson = JSON.parse(json);
  assert.deepEqual(parseYaml(yaml), fromJson);
  assert.deepEqual(Object.keys(fromJson), Object.keys(file));
  assert.deepEqual(
    fromJson.services.map((s: { url: string }) => s.url),
    ['http://localhost:8000/', 'http://alice:****@localhost:8000/openapi.json'],
  );
  assert.equal(fromJson.external_database_uri, 'postgresql://mon:****@127.0.0.1:5432/metrics');
  // Everything but the two secrets is the file as written: unknown keys too.
  file.external_database_uri = fromJson.external_database_uri;
  file.services[1].url = fromJson.services[1].url;
  assert.deepEqual(fromJson, file);
  for (const text of [json, yaml]) {
    assert.ok(!text.includes(PASSWORD) && !text.includes(URL_PASSWORD), text);
  }
  const bad = await monitor(h, ['config', 'export', '--format', 'toml']);
  assert.equal(bad.code, 2);
  assert.equal(lines(bad.stderr).length, 1);
});

test('import --dry-run prints added, changed (with fields) and removed, and leaves the file byte-identical', async () => {
  const h = home();
  const doc = JSON.parse(await ok(h, ['config', 'export']));
  doc.services[0].interval_sec = 60;
  doc.services[0].expect_status = '200';
  doc.services.splice(1, 1);
  doc.services.push({ url: 'https://example.org/health', method: 'head' });
  doc.agent_name = 'agent-2';
  const path = h.file('next.json', JSON.stringify(doc));
  const before = fileDigest(h.configPath);
  const out = await ok(h, ['config', 'import', path, '--dry-run']);
  assert.deepEqual(lines(out), [
    'changed  agent_name',
    'added    services[1] (https://example.org/health HEAD)',
    'changed  services[0] (http://localhost:8000/ GET): interval_sec, expect_status',
    'removed  services[1] (http://alice:****@localhost:8000/openapi.json GET)',
    'dry run: 1 added, 1 changed, 1 removed; settings changed: agent_name; nothing was changed.',
  ]);
  assert.equal(fileDigest(h.configPath), before);
});

test('import applies YAML: the file becomes FILE, unknown keys kept, the masked password keeps the real one', async () => {
  const h = home();
  const yaml = await ok(h, ['config', 'export', '--format', 'yaml']);
  const edited = yaml
    .replace('interval_sec: 30', 'interval_sec: 45')
    .replace('owner: team-a', 'owner: team-b')
    .concat('another_key: kept\n');
  assert.notEqual(edited, yaml);
  const path = h.file('monitoring.yaml', edited);
  const out = await ok(h, ['config', 'import', path]);
  assert.deepEqual(lines(out), [
    'changed  another_key',
    'changed  services[1] (http://alice:****@localhost:8000/openapi.json GET): interval_sec, note',
    'Config was successfully imported: 0 added, 1 changed, 0 removed; settings changed: another_key. A running `monitor start` picks this up automatically.',
  ]);
  const written = JSON.parse(readFileSync(h.configPath, 'utf8'));
  assert.equal(written.external_database_uri, URI);
  assert.equal(written.services[1].url, `http://alice:${URL_PASSWORD}@localhost:8000/openapi.json`);
  assert.equal(written.services[1].interval_sec, 45);
  assert.deepEqual(written.services[1].note, { owner: 'team-b' });
  assert.deepEqual(written.future_key, [1, 2]);
  assert.equal(written.another_key, 'kept');
  assert.equal(fileDigest(h.configPath).split(':')[0], '600');
  assert.equal(await ok(h, ['config', 'validate']), 'ok: 2 services\n');
});

test('import of its own export (JSON and YAML, any file name) is "no changes" and writes nothing', async () => {
  const h = home();
  const before = fileDigest(h.configPath);
  for (const [name, args] of [
    ['export.json', []],
    ['export.yml', ['--format', 'yaml']],
    ['export-without-extension', []],
    ['yaml-without-extension', ['--format', 'yaml']],
  ] as const) {
    const path = h.file(name, await ok(h, ['config', 'export', ...args]));
    assert.equal(await ok(h, ['config', 'import', path]), 'no changes\n', name);
  }
  assert.equal(fileDigest(h.configPath), before);
});

test('import of an invalid file: exit 2, every problem listed, the config unchanged', async () => {
  const h = home();
  const path = h.file(
    'bad.yaml',
    [
      'local_database_path: ""',
      'external_database_uri: mysql://x@db/app',
      'services:',
      '  - url: http://a/',
      '    method: GET',
      '    interval_sec: 1000',
      '  - url: http://a/',
      '    method: get',
      '    cron: "nope"',
      '',
    ].join('\n'),
  );
  const before = fileDigest(h.configPath);
  const r = await monitor(h, ['config', 'import', path]);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  const out = lines(r.stderr);
  assert.equal(out.length, 6, r.stderr);
  assert.equal(out[0], `monitor: error: file ${path} has 5 problems; the config was not changed:`);
  const expected = [
    /^ {2}local_database_path must be a non-empty string, got a string$/,
    /^ {2}external database URI: scheme must be postgres:\/\/ or postgresql:\/\/, got mysql:\/\/$/,
    /^ {2}services\[0\] \(http:\/\/a\/ GET\): interval must be between 5 and 300 seconds, got 1000$/,
    /^ {2}services\[1\] \(http:\/\/a\/ GET\): invalid cron expression 'nope'/,
    /^ {2}services\[1\] \(http:\/\/a\/ GET\): duplicate of services\[0\]$/,
  ];
  for (const [i, pattern] of expected.entries()) assert.match(out[i + 1] ?? '', pattern);
  assert.equal(fileDigest(h.configPath), before);
});

test('import of a file that is missing or not YAML: exit 2, one line, the config unchanged', async () => {
  const h = home();
  const before = fileDigest(h.configPath);
  const missing = await monitor(h, ['config', 'import', join(h.path, 'nope.yaml')]);
  assert.equal(missing.code, 2);
  assert.deepEqual(lines(missing.stderr), [
    `monitor: error: cannot read file ${join(h.path, 'nope.yaml')}: no such file`,
  ]);
  const broken = h.file(
    'broken.yaml',
    `external_database_uri: postgresql://mon:${PASSWORD}@db/app\nservices: [\n`,
  );
  const syntax = await monitor(h, ['config', 'import', broken]);
  assert.equal(syntax.code, 2);
  assert.equal(lines(syntax.stderr).length, 1);
  assert.match(syntax.stderr, /is not valid YAML: .*line \d+/);
  assert.equal(fileDigest(h.configPath), before);
});

test('import refuses a masked password it cannot keep (another host): exit 2, the config unchanged', async () => {
  const h = home();
  const doc = JSON.parse(await ok(h, ['config', 'export']));
  doc.external_database_uri = 'postgresql://mon:****@10.0.0.9:5432/metrics';
  doc.services.push({ url: 'http://bob:****@other/', method: 'GET' });
  const path = h.file('moved.json', JSON.stringify(doc));
  const before = fileDigest(h.configPath);
  const r = await monitor(h, ['config', 'import', path, '--dry-run']);
  assert.equal(r.code, 2);
  const out = lines(r.stderr);
  assert.match(out[0] ?? '', /has 2 problems; the config was not changed:$/);
  assert.match(out[1] ?? '', /^ {2}external_database_uri: the password is masked/);
  assert.match(
    out[2] ?? '',
    /^ {2}services\[2\] \(http:\/\/bob:\*\*\*\*@other\/ GET\): url: the password is masked/,
  );
  assert.equal(fileDigest(h.configPath), before);
});

test('export and import carry request options and conditions: secrets masked, its own export is "no changes"', async () => {
  const h = home();
  const config = JSON.parse(readFileSync(h.configPath, 'utf8'));
  Object.assign(config.services[0], {
    headers: { Accept: 'application/json', 'X-Api-Key': TOKEN },
    bearer: TOKEN,
    conditions: ['[STATUS] == 200'],
    degraded_when: ['[RESPONSE_TIME] > 2s'],
  });
  writeFileSync(h.configPath, JSON.stringify(config, null, 2));
  const before = fileDigest(h.configPath);
  const json = await ok(h, ['config', 'export']);
  const yaml = await ok(h, ['config', 'export', '--format', 'yaml']);
  const exported = JSON.parse(json).services[0];
  assert.deepEqual(exported.headers, { Accept: '***', 'X-Api-Key': '***' });
  assert.equal(exported.bearer, '***');
  assert.deepEqual(exported.conditions, ['[STATUS] == 200']);
  assert.deepEqual(exported.degraded_when, ['[RESPONSE_TIME] > 2s']);
  assert.ok(!json.includes(TOKEN) && !yaml.includes(TOKEN));
  for (const [name, text] of [
    ['options.json', json],
    ['options.yaml', yaml],
  ] as const) {
    assert.equal(await ok(h, ['config', 'import', h.file(name, text)]), 'no changes\n', name);
  }
  assert.equal(fileDigest(h.configPath), before);
  // A changed condition is imported; the masked secrets keep the real ones.
  const edited = h.file('edited.yaml', yaml.replace('[STATUS] == 200', '[STATUS] == 204'));
  assert.match(await ok(h, ['config', 'import', edited]), /services\[0\] .*: conditions\n/);
  const written = JSON.parse(readFileSync(h.configPath, 'utf8')).services[0];
  assert.deepEqual(written.conditions, ['[STATUS] == 204']);
  assert.equal(written.bearer, TOKEN);
  assert.deepEqual(written.headers, { Accept: 'application/json', 'X-Api-Key': TOKEN });
});

test('import refuses a file whose services have bad conditions, listing each; the config unchanged', async () => {
  const h = home();
  const doc = JSON.parse(await ok(h, ['config', 'export']));
  doc.services[0].conditions = ['[STATUS] ==', '[STATUS] == 200'];
  doc.services[1].degraded_when = ['[NOPE] > 1'];
  doc.services.push({ url: 'https://example.org/', method: 'GET', bearer: '***' });
  const path = h.file('conditions.json', JSON.stringify(doc));
  const before = fileDigest(h.configPath);
  const r = await monitor(h, ['config', 'import', path]);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  const out = lines(r.stderr);
  assert.equal(out[0], `monitor: error: file ${path} has 2 problems; the config was not changed:`);
  assert.match(out[1] ?? '', /^ {2}services\[0\] \(http:\/\/localhost:8000\/ GET\): .*\[STATUS\] ==/);
  assert.match(out[2] ?? '', /^ {2}services\[1\] \(.*\): degraded_when: .*\[NOPE\]/);
  assert.equal(out.length, 3, r.stderr);
  assert.equal(fileDigest(h.configPath), before);
  // Once they parse, the masked bearer of a new service is the one problem left.
  doc.services[0].conditions = ['[STATUS] == 200'];
  doc.services[1].degraded_when = [];
  const masked = await monitor(h, ['config', 'import', h.file('masked.json', JSON.stringify(doc))]);
  assert.equal(masked.code, 2);
  assert.match(
    lines(masked.stderr)[1] ?? '',
    /^ {2}services\[2\] \(https:\/\/example\.org\/ GET\): bearer: the value is masked/,
  );
  assert.equal(fileDigest(h.configPath), before);
});

test('no output of this file holds a password', () => {
  const all = printed.join('\n');
  assert.ok(all.length > 0);
  assert.ok(!all.includes(PASSWORD), 'database password printed');
  assert.ok(!all.includes(URL_PASSWORD), 'URL password printed');
  assert.ok(!all.includes(TOKEN), 'token printed');
});
