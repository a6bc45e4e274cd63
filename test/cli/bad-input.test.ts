import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type BadInputCase, checkBadInputs } from '../helpers/bad-input.js';
import { lines, makeTempHome, runMonitor } from '../helpers/cli.js';
import { serviceConfig } from '../helpers/services.js';

/**
 * Issue 7's bad-input suite for `monitor config …`: every case must fail with exit code 2, exactly
 * one line on stderr that names the problem, nothing on stdout, and the config file (and its
 * directory) byte-for-byte as before. Runs the real binary in a temporary HOME.
 */

const PASSWORD = 'Sup3rSecretPassw0rd';
const URI = `postgresql://test:${PASSWORD}@127.0.0.1:5432/test`;
const h = makeTempHome('monitor-bad-input-');
const cfg = h.configPath;
const special = join(h.path, 'special');
const printed: string[] = [];

const VALID_SERVICES = [
  serviceConfig('http://localhost:8000/', { timeout: 15 }),
  serviceConfig('http://localhost:8000/openapi.json', { check_regex: true, regex: 'openapi', timeout: 15 }),
];

before(async () => {
  const created = await runMonitor(['config', 'create', URI], { home: h.path });
  assert.equal(created.code, 0, created.stderr);
  for (const s of VALID_SERVICES) {
    const args = ['config', 'services', 'add', s.url, s.method, '-q'];
    if (s.regex) args.push('--regex', s.regex, '--check-regex');
    const r = await runMonitor(args, { home: h.path });
    assert.equal(r.code, 0, r.stderr);
  }
  mkdirSync(special);
  writeFileSync(
    join(special, 'malformed.json'),
    `{"local_database_path": "/x", "external_database_uri": "${URI}", "services": [}`,
  );
  mkdirSync(join(special, 'a-directory'));
  writeFileSync(join(special, 'plain-file'), 'not a directory');
  // Tests run as root, for whom chmod 000 does not stop a read; a FIFO and a path below a plain
  // file are unreadable for every user.
  assert.equal(spawnSync('mkfifo', [join(special, 'fifo')]).status, 0);
  writeFileSync(
    join(special, 'wrong-type.json'),
    JSON.stringify({
      local_database_path: '/x',
      external_database_uri: URI,
      services: [{ ...VALID_SERVICES[0], interval_sec: '5' }],
    }),
  );
  // Two services that differ only in a regex that is not checked; clearing it makes them one.
  writeFileSync(
    join(special, 'near-duplicates.json'),
    JSON.stringify({
      local_database_path: '/x',
      external_database_uri: URI,
      services: [VALID_SERVICES[0], { ...VALID_SERVICES[0], regex: 'x' }],
    }),
  );
  writeFileSync(
    join(special, 'services-not-list.json'),
    JSON.stringify({ local_database_path: '/x', external_database_uri: URI, services: 'http://a/' }),
  );
});
after(() => h.cleanup());

const sp = (name: string) => join(special, name);
const add = (...rest: string[]) => ['config', 'services', 'add', ...rest];
const update = (...rest: string[]) => ['config', 'services', 'update', ...rest];
const remove = (...rest: string[]) => ['config', 'services', 'remove', ...rest, '--yes'];

const CASES: Record<string, BadInputCase> = {
  'URL without a scheme': {
    args: add('example.com/health', 'GET'),
    error: /URL must be absolute and start with http:\/\/ or https:\/\//,
  },
  'ftp:// URL': {
    args: add('ftp://example.com/', 'GET'),
    error: /URL must start with http:\/\/ or https:\/\/, got 'ftp:\/\/example\.com\/'/,
  },
  'URL with no host': { args: add('http:///health', 'GET'), error: /URL has no host/ },
  'URL with spaces': { args: add('http://exa mple.com/', 'GET'), error: /URL must not contain spaces/ },
  'URL of 3000 characters': {
    args: add(`http://e.com/${'a'.repeat(2987)}`, 'GET'),
    error: /URL is 3000 characters long; at most 2083/,
  },
  'unknown method': {
    args: add('http://e.com/', 'FETCH'),
    error: /method must be one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, got 'FETCH'/,
  },
  'empty method': { args: add('http://e.com/', ''), error: /method must be one of/ },
  'interval 4': {
    args: add('http://e.com/', 'GET', '--interval', '4'),
    error: /interval must be between 5 and 300 seconds, got 4/,
  },
  'interval 301': {
    args: add('http://e.com/', 'GET', '--interval', '301'),
    error: /interval must be between 5 and 300 seconds, got 301/,
  },
  'timeout 0': {
    args: add('http://e.com/', 'GET', '--timeout', '0'),
    error: /timeout must be a positive number of seconds, got 0/,
  },
  'timeout -1': {
    args: add('http://e.com/', 'GET', '--timeout', '-1'),
    error: /timeout must be a positive number of seconds, got -1/,
  },
  'timeout abc': {
    args: add('http://e.com/', 'GET', '--timeout', 'abc'),
    error: /--timeout must be a number$/,
  },
  'interval without a value': {
    args: add('http://e.com/', 'GET', '--interval'),
    error: /Not enough arguments following: interval/,
  },
  'invalid regex': {
    args: add('http://e.com/', 'GET', '--regex', '(', '--check-regex'),
    error: /regex does not compile/,
  },
  '--check-regex without a regex': {
    args: add('http://e.com/', 'GET', '--check-regex'),
    error: /--check-regex needs a regex/,
  },
  'invalid cron': {
    args: add('http://e.com/', 'GET', '--cron', 'every minute'),
    error: /invalid cron expression 'every minute'/,
  },
  'cron field out of range': {
    args: add('http://e.com/', 'GET', '--cron', '61 * * * *'),
    error: /invalid cron expression '61 \* \* \* \*'/,
  },
  'bad expect-status': {
    args: add('http://e.com/', 'GET', '--expect-status', '2xx'),
    error: /expect_status must look like 200,204,300-399/,
  },
  'max-body-bytes 0': {
    args: add('http://e.com/', 'GET', '--max-body-bytes', '0'),
    error: /max_body_bytes must be a positive whole number/,
  },
  'duplicate service': {
    args: add('http://localhost:8000/', 'get', '--interval', '60'),
    error: /service number 0 already has this url, method, check_regex and regex/,
  },
  'add: missing METHOD': {
    args: add('http://e.com/'),
    error: /Not enough non-option arguments: got 1, need at least 2/,
  },
  'add: unknown option': { args: add('http://e.com/', 'GET', '--bogus'), error: /Unknown argument: bogus/ },
  'update: NUMBER out of range': {
    args: update('2', '--timeout', '3'),
    error: /no service number 2: valid numbers are 0\.\.1/,
  },
  'update: negative NUMBER': {
    args: update('-1', '--timeout', '3'),
    error: /NUMBER must be a whole number .* got '-1'/,
  },
  'update: NUMBER not a number': {
    args: update('first', '--timeout', '3'),
    error: /NUMBER must be a whole number .* got 'first'/,
  },
  'update: interval 4': {
    args: update('0', '--interval', '4'),
    error: /interval must be between 5 and 300 seconds, got 4/,
  },
  'update: invalid regex': { args: update('0', '--regex', '[a-'), error: /regex does not compile/ },
  'update: toggling on with no regex': {
    args: update('0', '--toggle-check-regex'),
    error: /--check-regex needs a regex/,
  },
  'update: unknown option': {
    args: update('1', '--check-regex-typo'),
    error: /Unknown argument: check-regex-typo/,
  },
  'update: into a duplicate': {
    args: update('1', '--regex', '', '--config-path', sp('near-duplicates.json')),
    config: sp('near-duplicates.json'),
    error: /service number 0 already has this url, method, check_regex and regex/,
  },
  'update: nothing to update': { args: update('0'), error: /nothing to update/ },
  'update: invalid cron': { args: update('0', '--cron', '* * *'), error: /invalid cron expression/ },
  'remove: NUMBER out of range': { args: remove('7'), error: /no service number 7/ },
  'remove: negative NUMBER': { args: remove('-3'), error: /NUMBER must be a whole number/ },
  'remove: NUMBER not a number': { args: remove('x'), error: /NUMBER must be a whole number .* got 'x'/ },
  'remove: without --yes, no terminal and no input': {
    args: ['config', 'services', 'remove', '0'],
    error: /no answer \(stdin is not a terminal and gave no input\); pass --yes$/,
  },
  'show: unknown option': { args: ['config', 'services', 'show', '--frob'], error: /Unknown argument: frob/ },
  'show: extra argument': { args: ['config', 'show', 'everything'], error: /Unknown argument: everything/ },
  'unknown config command': { args: ['config', 'frobnicate'], error: /Unknown argument: frobnicate/ },
  'create: mysql:// URI': {
    args: ['config', 'create', `mysql://u:${PASSWORD}@h/db`, '--force'],
    error: /scheme must be postgres:\/\/ or postgresql:\/\/, got mysql:/,
  },
  'create: URI without a database': {
    args: ['config', 'create', `postgresql://u:${PASSWORD}@h:5432`, '--force'],
    error: /names no database/,
  },
  'create: malformed URI': {
    args: ['config', 'create', `postgresql://u:${PASSWORD}@:x/db`, '--force'],
    error: /external database URI: /,
  },
  'create: over an existing file': {
    args: ['config', 'create', URI],
    error: /already exists; pass --force to overwrite it/,
  },
  'databases update: malformed URI': {
    args: ['config', 'databases', 'update', '--external-uri', 'not a uri'],
    error: /external database URI: not a valid URI/,
  },
  'databases update: nothing given': {
    args: ['config', 'databases', 'update'],
    error: /nothing to update: pass --local-path and\/or --external-uri/,
  },
  'databases update: --local-path without a value': {
    args: ['config', 'databases', 'update', '--local-path'],
    error: /Not enough arguments following: local-path/,
  },
  'delete: without --yes, no terminal and no input': {
    args: ['config', 'delete'],
    error: /no answer \(stdin is not a terminal and gave no input\); pass --yes$/,
  },
  'malformed JSON config (show)': {
    args: ['config', 'show', '--config-path', sp('malformed.json')],
    config: sp('malformed.json'),
    error: /malformed\.json is not valid JSON/,
  },
  'malformed JSON config (add)': {
    args: add('http://e.com/', 'GET', '--config-path', sp('malformed.json')),
    config: sp('malformed.json'),
    error: /malformed\.json is not valid JSON/,
  },
  'config that is a directory': {
    args: add('http://e.com/', 'GET', '--config-path', sp('a-directory')),
    config: sp('a-directory'),
    error: /a-directory: it is a directory/,
  },
  'unreadable config (parent is a file)': {
    args: ['config', 'show', '--config-path', sp('plain-file/config')],
    config: sp('plain-file'),
    error: /plain-file\/config: a parent of the path is not a directory/,
  },
  'unreadable config (a FIFO)': {
    args: ['config', 'services', 'show', '--config-path', sp('fifo')],
    config: sp('fifo'),
    error: /fifo: not a regular file/,
  },
  'wrong type in a field': {
    args: remove('0', '--config-path', sp('wrong-type.json')),
    config: sp('wrong-type.json'),
    error: /services\[0\] \(http:\/\/localhost:8000\/ GET\): interval_sec must be a number, got a string/,
  },
  'services not a list': {
    args: ['config', 'databases', 'show', '--config-path', sp('services-not-list.json')],
    config: sp('services-not-list.json'),
    error: /services must be a list, got a string/,
  },
  'missing config (add)': {
    args: add('http://e.com/', 'GET', '--config-path', sp('none/config')),
    config: sp('none/config'),
    error: /no config file at .*none\/config; create one with: monitor config create/,
  },
  'missing config (delete)': {
    args: ['config', 'delete', '--yes', '--config-path', sp('none/config')],
    config: sp('none/config'),
    error: /no config file at/,
  },
};

test(`bad input: ${Object.keys(CASES).length} cases, each exit 2 with one line and the file unchanged`, async (t) => {
  assert.ok(Object.keys(CASES).length >= 30);
  await checkBadInputs(t, CASES, { home: h.path, config: cfg, printed });
});

test('the database password appears in no output of any case', async () => {
  assert.ok(printed.length >= 60);
  for (const text of printed) assert.ok(!text.includes(PASSWORD), `password printed: ${text}`);
  // The valid config really holds it: the masking is what kept it out.
  const shown = await runMonitor(['config', 'show'], { home: h.path });
  assert.equal(shown.code, 0);
  assert.ok(lines(shown.stdout).some((l) => l.includes('postgresql://test:****@127.0.0.1:5432/test')));
  assert.ok(!shown.stdout.includes(PASSWORD));
});
