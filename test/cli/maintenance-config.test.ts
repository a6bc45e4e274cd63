import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { serviceKey } from '../../src/config/service-key.js';
import { type BadInputCase, checkBadInputs } from '../helpers/bad-input.js';
import { createConfig, fileDigest, makeTempHome, runMonitor } from '../helpers/cli.js';

/**
 * Issue 15, `monitor config maintenance …` through the real CLI: add/show/remove round trips, the
 * windows' rules at `add` and at `config validate`, and bad input (exit 2, one line, file unchanged).
 */

const h = makeTempHome('monitor-maintenance-config-');
const cfg = h.configPath;
const printed: string[] = [];

async function ok(args: string[]): Promise<string> {
  const r = await runMonitor(args, { home: h.path });
  printed.push(r.stdout, r.stderr);
  assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const file = () => JSON.parse(readFileSync(cfg, 'utf8'));

before(async () => {
  await createConfig(h.path);
  await ok(['config', 'services', 'add', 'https://db.example/health', 'GET', '-q']);
  await ok(['config', 'services', 'add', 'https://u:pw@web.example/', 'GET', '-q']);
});
after(() => h.cleanup());

test('add a recurring and a one-off window; show lists them; remove takes them out', async () => {
  await ok([
    'config',
    'maintenance',
    'add',
    'sunday-db',
    '--cron',
    '0 2 * * 0',
    '--duration',
    '2h',
    '--timezone',
    'Europe/Berlin',
    '--service',
    'https://db.example/health',
    '-q',
  ]);
  // A service named by its URL as `show` prints it (password masked) is found too.
  const out = await ok([
    'config',
    'maintenance',
    'add',
    'migration',
    '--start',
    '2026-12-05T22:00:00+01:00',
    '--end',
    '2026-12-06T01:00:00+01:00',
    '--service',
    'https://u:****@web.example/',
  ]);
  assert.match(out, /Maintenance window migration was successfully added\./);
  assert.deepEqual(file().maintenance, {
    'sunday-db': {
      cron: '0 2 * * 0',
      duration: '2h',
      timezone: 'Europe/Berlin',
      services: ['https://db.example/health'],
    },
    migration: {
      start: '2026-12-05T22:00:00+01:00',
      end: '2026-12-06T01:00:00+01:00',
      services: ['https://u:****@web.example/'],
    },
  });
  await ok(['config', 'maintenance', 'add', 'everything', '--cron', '0 3 1 * *', '--duration', '30m', '-q']);
  const table = await ok(['config', 'maintenance', 'show']);
  assert.match(
    table,
    /\| +sunday-db +\| +0 2 \* \* 0 for 2h \(Europe\/Berlin\) +\| +https:\/\/db\.example\/health +\| +1 +\|/,
  );
  assert.match(table, /\| +everything +\| +0 3 1 \* \* for 30m \(UTC\) +\| +all +\| +2 +\|/);
  const json = JSON.parse(await ok(['config', 'maintenance', 'show', '--json']));
  assert.deepEqual(
    json.map((w: { name: string }) => w.name),
    ['sunday-db', 'migration', 'everything'],
  );
  assert.equal(json[1].start, '2026-12-05T22:00:00+01:00');
  assert.equal((await runMonitor(['config', 'validate'], { home: h.path })).code, 0);
  await ok(['config', 'maintenance', 'remove', 'everything', '-q']);
  assert.deepEqual(Object.keys(file().maintenance), ['sunday-db', 'migration']);
});

const add = (...rest: string[]) => ['config', 'maintenance', 'add', 'w', ...rest];

const CASES: Record<string, BadInputCase> = {
  'bad cron': {
    args: add('--cron', '0 25 * * *', '--duration', '1h'),
    error: /maintenance\.w: invalid cron expression '0 25 \* \* \*'/,
  },
  'bad time zone': {
    args: add('--cron', '0 2 * * *', '--duration', '1h', '--timezone', 'Mars/Olympus'),
    error: /maintenance\.w: timezone must be an IANA time zone .* got 'Mars\/Olympus'$/,
  },
  'end before start': {
    args: add('--start', '2026-12-06T01:00:00+01:00', '--end', '2026-12-05T22:00:00+01:00'),
    error: /maintenance\.w: end must be after start/,
  },
  'end equal to start': {
    args: add('--start', '2026-12-06T01:00:00Z', '--end', '2026-12-06T02:00:00+01:00'),
    error: /end must be after start/,
  },
  'start without offset': {
    args: add('--start', '2026-12-06T01:00:00', '--end', '2026-12-06T02:00:00Z'),
    error: /start must be an ISO 8601 time with an offset/,
  },
  'start without end': { args: add('--start', '2026-12-06T01:00:00Z'), error: /end is missing/ },
  'cron without duration': { args: add('--cron', '0 2 * * *'), error: /duration is missing/ },
  'bad duration': {
    args: add('--cron', '0 2 * * *', '--duration', 'a while'),
    error: /duration must be a duration/,
  },
  'both forms': {
    args: add(
      '--cron',
      '0 2 * * *',
      '--duration',
      '1h',
      '--start',
      '2026-12-06T01:00:00Z',
      '--end',
      '2026-12-06T02:00:00Z',
    ),
    error: /give start and end, or cron and duration, not both/,
  },
  'neither form': { args: add('--service', 'https://db.example/health'), error: /needs start and end/ },
  'unknown service': {
    args: add('--cron', '0 2 * * *', '--duration', '1h', '--service', 'https://nowhere.example/'),
    error: /services: no configured service has the URL or key 'https:\/\/nowhere\.example\/'/,
  },
  'name already taken': {
    args: ['config', 'maintenance', 'add', 'migration', '--cron', '0 2 * * *', '--duration', '1h'],
    error: /maintenance window 'migration' already exists/,
  },
  'bad name': {
    args: ['config', 'maintenance', 'add', '../x', '--cron', '0 2 * * *', '--duration', '1h'],
    error: /window name must be/,
  },
  'services remove of a service a window names': {
    args: ['config', 'services', 'remove', '0', '--yes'],
    error:
      /maintenance window 'sunday-db' names this service \('https:\/\/db\.example\/health'\); change or remove the window first/,
  },
  'remove: unknown name': {
    args: ['config', 'maintenance', 'remove', 'nope'],
    error: /no maintenance window named 'nope' \(windows: sunday-db, migration\)/,
  },
};

test(`maintenance: ${Object.keys(CASES).length} bad inputs, each exit 2, one line, file unchanged`, async (t) => {
  await checkBadInputs(t, CASES, { home: h.path, config: cfg, printed });
});

test('a service named by key: an update that changes its key is refused until the window goes', async () => {
  const web = file().services.find((x: { url: string }) => x.url.includes('web.example'));
  await ok([
    'config',
    'maintenance',
    'add',
    'by-key',
    '--cron',
    '0 4 * * *',
    '--duration',
    '1h',
    '--service',
    serviceKey(web),
    '-q',
  ]);
  const before = fileDigest(cfg);
  // Service 1 is web.example (NUMBER order sorts by URL); a regex is part of the key.
  const r = await runMonitor(['config', 'services', 'update', '1', '--regex', 'ok', '-q'], { home: h.path });
  printed.push(r.stdout, r.stderr);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /^monitor: error: maintenance window 'by-key' names this service/);
  assert.equal(fileDigest(cfg), before);
  await ok(['config', 'maintenance', 'remove', 'by-key', '-q']);
  await ok(['config', 'services', 'update', '1', '--regex', 'ok', '-q']);
  assert.equal(file().services.find((x: { url: string }) => x.url.includes('web.example')).regex, 'ok');
});

test('config validate lists every bad window and alerting setting of a hand-edited file', async () => {
  const path = join(h.path, 'hand-edited.json');
  const c = file();
  c.maintenance.bad = { cron: '0 2 * * *', duration: '1h', timezone: 'Nowhere/Zone' };
  c.maintenance.late = { start: '2026-12-06T02:00:00Z', end: '2026-12-06T01:00:00Z' };
  c.alerting = { enabled: 'yes', max_age: '24h', retry_max: 'never' };
  writeFileSync(path, JSON.stringify(c));
  const r = await runMonitor(['config', 'validate', '--config-path', path], { home: h.path });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /has 4 problems:/);
  assert.match(r.stderr, /\n {2}maintenance\.bad: timezone must be an IANA time zone/);
  assert.match(r.stderr, /\n {2}maintenance\.late: end must be after start/);
  assert.match(r.stderr, /\n {2}alerting\.enabled must be true or false/);
  assert.match(r.stderr, /\n {2}alerting\.retry_max must be a duration/);
  // monitor start would refuse it the same way: the loader's first problem is the same line.
  const start = await runMonitor(['start', '--yes', '--config-path', path], { home: h.path });
  assert.equal(start.code, 2);
  assert.match(start.stderr, /maintenance\.bad: timezone must be an IANA time zone/);
});

test('remove the last window takes the key with it', async () => {
  await ok(['config', 'maintenance', 'remove', 'sunday-db', '-q']);
  await ok(['config', 'maintenance', 'remove', 'migration', '-q']);
  assert.equal('maintenance' in file(), false);
});
