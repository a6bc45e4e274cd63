import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { lines, MONITOR_BIN, makeTempHome, type RunResult, runMonitor } from '../helpers/cli.js';
import { ORIGINAL_SERVICE_KEYS } from '../helpers/services.js';

const PASSWORD = '1234567890';
const URI = `postgresql://test:${PASSWORD}@127.0.0.1:5432/test`;
/** Everything any command printed in this file, checked for the password at the end. */
const printed: string[] = [];
const homes: ReturnType<typeof makeTempHome>[] = [];
after(() => {
  for (const h of homes) h.cleanup();
});

function home(): ReturnType<typeof makeTempHome> {
  const h = makeTempHome();
  homes.push(h);
  return h;
}

async function monitor(h: { path: string }, args: string[], input?: string): Promise<RunResult> {
  const r = await runMonitor(args, { home: h.path, input });
  printed.push(r.stdout, r.stderr);
  return r;
}

async function ok(h: { path: string }, args: string[]): Promise<string> {
  const r = await monitor(h, args);
  assert.equal(r.code, 0, `monitor ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

// The seed README's tables; its `№` header is shown there through a mis-decoding (â„–).
const README_SERVICES = `+------------------------------------+--------+-------------+-----------------------+--------------+---------+
|                url                 | method | check_regex |         regex         | interval_sec | timeout |
+------------------------------------+--------+-------------+-----------------------+--------------+---------+
|       http://localhost:8000/       |  GET   |    False    |          None         |      5       |    15   |
| http://localhost:8000/openapi.json |  GET   |     True    | \\{"openapi":"3\\.1\\.0" |      5       |    15   |
+------------------------------------+--------+-------------+-----------------------+--------------+---------+`;
const README_NUMBERED = `+---+------------------------------------+--------+-------------+-----------------------+--------------+---------+
| № |                url                 | method | check_regex |         regex         | interval_sec | timeout |
+---+------------------------------------+--------+-------------+-----------------------+--------------+---------+
| 0 |       http://localhost:8000/       |  GET   |    False    |          None         |      5       |    15   |
| 1 | http://localhost:8000/openapi.json |  GET   |     True    | \\{"openapi":"3\\.1\\.0" |      5       |    15   |
+---+------------------------------------+--------+-------------+-----------------------+--------------+---------+`;
// The README's Local row was hand-edited (its border does not line up); the rest is the original's.
const DATABASES = `+----------+--------------------------------------------+
|   Name   |                   Value                    |
+----------+--------------------------------------------+
|  Local   |    ~/.monitoring/local-database.sqlite3    |
| External | postgresql://test:****@127.0.0.1:5432/test |
+----------+--------------------------------------------+`;

test("the seed README's commands, typed verbatim, print the README's tables (password masked)", async () => {
  const h = home();
  const created = await ok(h, ['config', 'create', URI]);
  assert.match(created, /created at ~\/\.monitoring\/monitoring-config/);
  assert.match(created, /monitor config services add URL METHOD/);
  await ok(h, ['config', 'services', 'add', 'http://localhost:8000/', 'GET']);
  const added = await ok(h, [
    'config',
    'services',
    'add',
    'http://localhost:8000/openapi.json',
    'GET',
    '--regex',
    '\\{"openapi":"3\\.1\\.0"',
    '--check-regex',
  ]);
  assert.equal(
    added,
    `${README_SERVICES}\nService was successfully added. A running \`monitor start\` picks this up automatically.\n`,
  );
  assert.ok(!added.includes('Restart application'));
  assert.equal(await ok(h, ['config', 'show']), `${DATABASES}\n${README_SERVICES}\n`);
  assert.equal(await ok(h, ['config', 'services', 'show', '--numbered']), `${README_NUMBERED}\n`);
  assert.equal(await ok(h, ['config', 'databases', 'show']), `${DATABASES}\n`);
  assert.equal(statSync(h.configPath).mode & 0o777, 0o600);
  assert.equal(statSync(join(h.path, '.monitoring')).mode & 0o777, 0o700);
  // Stored as the original stored it: the absolute local path, and the real URI (the file is 0600).
  const file = JSON.parse(readFileSync(h.configPath, 'utf8'));
  assert.equal(file.local_database_path, join(h.path, '.monitoring', 'local-database.sqlite3'));
  assert.equal(file.external_database_uri, URI);
  assert.deepEqual(Object.keys(file.services[0]), ORIGINAL_SERVICE_KEYS);
});

test("a config file in the original's exact format loads, shows, and keeps unknown keys through an add", async () => {
  const h = home();
  mkdirSync(join(h.path, 'etc'));
  const path = join(h.path, 'etc', 'original-config');
  // As the original tool wrote it: six keys per service, OPTION (sic), an unknown key of a later version.
  writeFileSync(
    path,
    JSON.stringify({
      local_database_path: '/var/lib/monitoring/local-database.sqlite3',
      external_database_uri: URI,
      services: [
        {
          url: 'http://localhost:8000/test',
          method: 'POST',
          check_regex: false,
          regex: null,
          interval_sec: 10,
          timeout: 15,
          note: 'mine',
        },
        {
          url: 'http://localhost:8000/test',
          method: 'OPTION',
          check_regex: true,
          regex: 'ok',
          interval_sec: 300,
          timeout: 1,
        },
      ],
      team: { owner: 'ops' },
    }),
  );
  const shown = await ok(h, ['config', 'show', '--config-path', path]);
  assert.match(shown, /\| *Local *\| \/var\/lib\/monitoring\/local-database\.sqlite3 \|/);
  assert.match(shown, /\| http:\/\/localhost:8000\/test \| OPTIONS \| +True +\| +ok +\| +300 +\| +1 +\|/);
  assert.equal(lines(shown).length, 6 + 6);
  await ok(h, ['config', 'services', 'add', 'https://example.com/', 'HEAD', '-q', '--config-path', path]);
  const file = JSON.parse(readFileSync(path, 'utf8'));
  assert.deepEqual(file.team, { owner: 'ops' });
  assert.equal(file.services[0].note, 'mine');
  assert.equal(file.services.length, 3);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  const json = JSON.parse(await ok(h, ['config', 'services', 'show', '--json', '--config-path', path]));
  assert.deepEqual(
    json.map((s: { number: number; method: string }) => [s.number, s.method]),
    // 'http:' < 'https' (':' < 's'), and 'OPTIONS…' < 'POST…', as Python sorts them.
    [
      [0, 'OPTIONS'],
      [1, 'POST'],
      [2, 'HEAD'],
    ],
  );
});

test('create refuses to overwrite unless --force; -q prints no table', async () => {
  const h = home();
  await ok(h, ['config', 'create', URI]);
  const quiet = await ok(h, ['config', 'services', 'add', 'http://localhost:8000/', 'GET', '-q']);
  assert.equal(
    quiet,
    'Service was successfully added. A running `monitor start` picks this up automatically.\n',
  );
  const before = readFileSync(h.configPath, 'utf8');
  const refused = await monitor(h, ['config', 'create', 'postgresql://other:pw-two@db/x']);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /^monitor: error: config .* already exists; pass --force to overwrite it\n$/);
  assert.equal(readFileSync(h.configPath, 'utf8'), before);
  await ok(h, [
    'config',
    'create',
    'postgresql://other:pw-two@db/x',
    '--force',
    '--local-path',
    'rel/local.db',
  ]);
  const file = JSON.parse(readFileSync(h.configPath, 'utf8'));
  assert.equal(file.external_database_uri, 'postgresql://other:pw-two@db/x');
  assert.deepEqual(file.services, []);
  assert.match(file.local_database_path, /^\/.*\/rel\/local\.db$/);
});

test('delete and remove ask first: refused with no answer at all, done with --yes', async () => {
  const h = home();
  await ok(h, ['config', 'create', URI]);
  await ok(h, ['config', 'services', 'add', 'http://localhost:8000/a', 'GET', '-q']);
  await ok(h, ['config', 'services', 'add', 'http://localhost:8000/b', 'GET', '-q']);
  // No terminal and nothing piped: nobody answered, so it says how to skip the question.
  const refused = await monitor(h, ['config', 'services', 'remove', '0'], '');
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /no answer \(stdin is not a terminal and gave no input\); pass --yes\n$/);
  assert.equal(lines(refused.stderr).length, 1);
  const removed = await ok(h, ['config', 'services', 'remove', '0', '--yes']);
  assert.match(removed, /http:\/\/localhost:8000\/b/);
  assert.doesNotMatch(removed, /localhost:8000\/a /);
  assert.match(removed, /Service was successfully removed\./);
  const noDelete = await monitor(h, ['config', 'delete']);
  assert.equal(noDelete.code, 2);
  assert.ok(existsSync(h.configPath));
  assert.match(await ok(h, ['config', 'delete', '--yes']), /deleted/);
  assert.ok(!existsSync(h.configPath));
  const again = await monitor(h, ['config', 'show']);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /no config file at .*; create one with: monitor config create EXTERNAL_URI/);
});

const hasScript = spawnSync('script', ['--version']).status === 0;

test('on a real terminal the question is asked: n keeps the file, y deletes it', {
  skip: !hasScript && 'needs script(1)',
}, async () => {
  const h = home();
  await ok(h, ['config', 'create', URI]);
  // script(1) gives the child a pseudo-terminal; the answer is typed into it.
  const ask = (answer: string) =>
    spawnSync('script', ['-qec', `${process.execPath} ${MONITOR_BIN} config delete`, '/dev/null'], {
      input: answer,
      env: { ...process.env, HOME: h.path },
      encoding: 'utf8',
      timeout: 20_000,
    });
  const no = ask('n\n');
  assert.match(no.stdout, /Delete the configuration file .*monitoring-config\? \[y\/N\]: /);
  assert.match(no.stdout, /Nothing deleted\./);
  assert.equal(no.status, 1);
  assert.ok(existsSync(h.configPath));
  const yes = ask('y\n');
  assert.equal(yes.status, 0, yes.stdout);
  assert.ok(!existsSync(h.configPath));
});

test('update: toggle, interval, timeout and the additions; extra columns appear only when used', async () => {
  const h = home();
  await ok(h, ['config', 'create', URI]);
  await ok(h, ['config', 'services', 'add', 'http://localhost:8000/', 'get', '--regex', 'ok', '-q']);
  const toggled = await ok(h, [
    'config',
    'services',
    'update',
    '0',
    '--toggle-check-regex',
    '--interval',
    '60',
    '--timeout',
    '2.5',
  ]);
  assert.match(toggled, /\| +True +\| +ok +\| +60 +\| +2\.5 +\|/);
  assert.match(toggled, /Service was successfully updated\./);
  const withCron = await ok(h, [
    'config',
    'services',
    'update',
    '0',
    '--cron',
    '*/30 * * * * *',
    '--expect-status',
    '200,204',
    '--no-tls-verify',
  ]);
  assert.match(lines(withCron)[1] ?? '', /\| timeout \| +cron +\| expect_status \| tls_verify \|$/);
  assert.match(withCron, /\| \*\/30 \* \* \* \* \* \| +200,204 +\| +False +\|/);
  const service = JSON.parse(readFileSync(h.configPath, 'utf8')).services[0];
  assert.deepEqual(
    {
      cron: service.cron,
      expect_status: service.expect_status,
      tls_verify: service.tls_verify,
      check_regex: service.check_regex,
    },
    { cron: '*/30 * * * * *', expect_status: '200,204', tls_verify: false, check_regex: true },
  );
  await ok(h, ['config', 'services', 'update', '0', '--no-cron', '--tls-verify', '-q']);
  const cleared = JSON.parse(readFileSync(h.configPath, 'utf8')).services[0];
  assert.equal('cron' in cleared, false);
  assert.equal(cleared.tls_verify, true);
});

test('databases update changes paths and URI, always shown masked; --json masks too', async () => {
  const h = home();
  await ok(h, ['config', 'create', URI]);
  const out = await ok(h, [
    'config',
    'databases',
    'update',
    '--external-uri',
    'postgres://app:s3cr3t-pw@db.internal:6543/metrics',
    '--local-path',
    '/tmp/x.sqlite3',
  ]);
  assert.match(out, /postgres:\/\/app:\*\*\*\*@db\.internal:6543\/metrics/);
  assert.ok(!out.includes('s3cr3t-pw'));
  const json = JSON.parse(await ok(h, ['config', 'databases', 'show', '--json']));
  assert.deepEqual(json, {
    local_database_path: '/tmp/x.sqlite3',
    external_database_uri: 'postgres://app:****@db.internal:6543/metrics',
  });
  const all = await ok(h, ['config', 'show', '--json']);
  assert.ok(!all.includes('s3cr3t-pw'));
  assert.equal(
    JSON.parse(readFileSync(h.configPath, 'utf8')).external_database_uri,
    'postgres://app:s3cr3t-pw@db.internal:6543/metrics',
  );
});

test("--help on every config command, in the original's words", async () => {
  const h = home();
  const help = async (args: string[]) => ok(h, [...args, '--help']);
  const update = await help(['config', 'services', 'update']);
  assert.match(
    update,
    /Update service under NUMBER in the configuration\.\n\nTo get a number, run `monitor config services show --numbered`/,
  );
  assert.match(update, /--toggle-check-regex +Toggle regex checking mode\./);
  assert.match(update, /--regex +Regexp to check\./);
  assert.match(update, /--timeout +Timeout for outgoing connections to a service/);
  assert.match(update, /Interval in seconds between requests\. Must be between 5 and 300\./);
  assert.match(
    await help(['config', 'services', 'remove']),
    /Remove a service under NUMBER in the configuration\./,
  );
  for (const args of [
    ['config'],
    ['config', 'create'],
    ['config', 'delete'],
    ['config', 'show'],
    ['config', 'databases'],
    ['config', 'databases', 'show'],
    ['config', 'databases', 'update'],
    ['config', 'services'],
    ['config', 'services', 'show'],
    ['config', 'services', 'add'],
  ]) {
    const text = await help(args);
    assert.match(text, /--help/, args.join(' '));
    if (args.length > 1 && !['databases', 'services'].includes(args.at(-1) ?? '')) {
      assert.match(
        text,
        /--config-path +Path to the configuration file\.\s+\[string\] \[default: ~\/\.monitoring\/monitoring-config\]/,
        args.join(' '),
      );
    }
  }
});

test('no command in this file printed the password', () => {
  assert.ok(printed.length > 20);
  for (const text of printed) assert.ok(!text.includes(PASSWORD), `password printed in: ${text}`);
});
