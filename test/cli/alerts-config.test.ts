import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { type BadInputCase, checkBadInputs } from '../helpers/bad-input.js';
import { createConfig, makeTempHome, runMonitor } from '../helpers/cli.js';

/**
 * Issue 15, `monitor config alerts …` and the alert options of `config services add|update`,
 * through the real CLI: round trips, what `show` masks, and bad input (exit 2, one line, file
 * unchanged). No output may carry a secret the commands were given.
 */

const h = makeTempHome('monitor-alerts-config-');
const cfg = h.configPath;
const SECRET = 'Hmac-Never-Printed-73';
const SMTP_PW = 'Smtp-Never-Printed-19';
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
  await ok(['config', 'services', 'add', 'https://a.example/health', 'GET', '-q']);
  await ok(['config', 'services', 'add', 'https://b.example/health', 'GET', '-q']);
});
after(() => h.cleanup());

test('alerts add writes each channel type as given; show masks the secrets', async () => {
  await ok([
    'config',
    'alerts',
    'add',
    'ops',
    '--type',
    'slack',
    '--target',
    'https://hooks.example/services/${SLACK}',
    '-q',
  ]);
  await ok([
    'config',
    'alerts',
    'add',
    'pager',
    '--type',
    'webhook',
    '--target',
    'https://pager.example/hook',
    '--header',
    'X-Team: ops',
    '--header',
    `X-Key: ${SECRET}`,
    '--secret',
    SECRET,
    '--timeout',
    '5',
    '-q',
  ]);
  await ok([
    'config',
    'alerts',
    'add',
    'mail',
    '--type',
    'email',
    '-q',
    '--target',
    `smtp://mon:${SMTP_PW}@mail.example:587?from=mon@example.org&to=a@example.org,b@example.org`,
  ]);
  await ok([
    'config',
    'alerts',
    'add',
    'script',
    '--type',
    'command',
    '--target',
    '["/usr/local/bin/page", "--urgent"]',
    '-q',
  ]);
  assert.deepEqual(file().alerts, {
    ops: { type: 'slack', target: 'https://hooks.example/services/${SLACK}' },
    pager: {
      type: 'webhook',
      target: 'https://pager.example/hook',
      secret: SECRET,
      timeout: 5,
      headers: { 'X-Team': 'ops', 'X-Key': SECRET },
    },
    mail: {
      type: 'email',
      target: `smtp://mon:${SMTP_PW}@mail.example:587?from=mon@example.org&to=a@example.org,b@example.org`,
    },
    script: { type: 'command', target: '["/usr/local/bin/page", "--urgent"]' },
  });
  const table = await ok(['config', 'alerts', 'show']);
  assert.match(
    table,
    /\| +pager +\| +webhook +\| +https:\/\/pager\.example\/hook +\|.*\| +\*\*\* +\| +5 +\| +0 +\|/,
  );
  assert.match(table, /smtp:\/\/mon:\*\*\*\*@mail\.example:587/);
  const json = JSON.parse(await ok(['config', 'alerts', 'show', '--json']));
  assert.deepEqual(
    json.map((c: { name: string }) => c.name),
    ['ops', 'pager', 'mail', 'script'],
  );
  assert.deepEqual(json[1], {
    name: 'pager',
    type: 'webhook',
    target: 'https://pager.example/hook',
    headers: { 'X-Team': '***', 'X-Key': '***' },
    secret: '***',
    timeout: 5,
    services: [],
  });
  assert.equal(json[0].timeout, 10, 'the default timeout is shown');
  const exported = await ok(['config', 'export']);
  assert.ok(!exported.includes(SECRET) && !exported.includes(SMTP_PW), 'export masks channel secrets');
  const shown = await ok(['config', 'show', '--json']);
  assert.ok(!shown.includes(SECRET) && !shown.includes(SMTP_PW), 'config show --json masks them too');
});

test('alerts update changes only what is given; --clear-headers, --no-secret', async () => {
  await ok(['config', 'alerts', 'update', 'pager', '--timeout', '2.5', '--header', 'x-team: sre', '-q']);
  let pager = file().alerts.pager;
  assert.equal(pager.timeout, 2.5);
  assert.deepEqual(
    pager.headers,
    { 'X-Key': SECRET, 'x-team': 'sre' },
    'a header of the same name is replaced',
  );
  await ok([
    'config',
    'alerts',
    'update',
    'pager',
    '--no-secret',
    '--clear-headers',
    '--header',
    'A: b',
    '-q',
  ]);
  pager = file().alerts.pager;
  assert.equal(pager.secret, undefined);
  assert.deepEqual(pager.headers, { A: 'b' });
  await ok(['config', 'alerts', 'update', 'pager', '--no-header', '-q']);
  assert.equal('headers' in file().alerts.pager, false, 'no empty headers object is left behind');
  await ok(['config', 'alerts', 'update', 'ops', '--type', 'discord', '-q']);
  assert.equal(file().alerts.ops.type, 'discord');
});

test('services take channels and thresholds; show lists them; update appends and clears', async () => {
  await ok([
    'config',
    'services',
    'update',
    '0',
    '-q',
    '--alert',
    'ops',
    '--alert',
    'pager',
    '--failure-threshold',
    '4',
    '--failure-window',
    '3/5',
    '--success-threshold',
    '1',
    '--remind-every',
    '1h',
    '--no-send-resolved',
    '--alert-on-degraded',
  ]);
  const s = file().services[0];
  assert.deepEqual(s.alerts, ['ops', 'pager']);
  assert.equal(s.failure_threshold, 4);
  assert.equal(s.failure_window, '3/5');
  assert.equal(s.success_threshold, 1);
  assert.equal(s.remind_every, '1h');
  assert.equal(s.send_resolved, false);
  assert.equal(s.alert_on_degraded, true);
  const table = await ok(['config', 'services', 'show']);
  assert.match(table, /alerts .* failure_threshold .* failure_window .* success_threshold/);
  assert.match(table, /\["ops","pager"\]/);
  await ok([
    'config',
    'services',
    'update',
    '0',
    '-q',
    '--alert',
    'mail',
    '--no-failure-window',
    '--no-remind-every',
  ]);
  const after = file().services[0];
  assert.deepEqual(after.alerts, ['ops', 'pager', 'mail'], '--alert appends');
  assert.equal('failure_window' in after, false);
  assert.equal('remind_every' in after, false);
  await ok(['config', 'services', 'update', '0', '-q', '--no-alert', '--alert', 'script']);
  assert.deepEqual(file().services[0].alerts, ['script'], '--no-alert empties the list first');
  await ok([
    'config',
    'services',
    'add',
    'https://c.example/health',
    'HEAD',
    '-q',
    '--alert',
    'ops',
    '--failure-threshold',
    '2',
  ]);
  const added = file().services.find((x: { url: string }) => x.url === 'https://c.example/health');
  assert.deepEqual(added.alerts, ['ops']);
  assert.equal(added.failure_threshold, 2);
  assert.equal((await runMonitor(['config', 'validate'], { home: h.path })).code, 0);
});

const add = (...rest: string[]) => ['config', 'alerts', 'add', 'new', ...rest];
const svc = (...rest: string[]) => ['config', 'services', 'update', '1', ...rest];

const CASES: Record<string, BadInputCase> = {
  'bad channel URL': {
    args: add('--type', 'webhook', '--target', 'not-a-url'),
    error: /alerts\.new: target: URL must be absolute/,
  },
  'ftp channel URL': { args: add('--type', 'ntfy', '--target', 'ftp://x/y'), error: /must start with http/ },
  'unknown --type': {
    args: add('--type', 'pagerduty', '--target', 'https://x/'),
    error: /type must be one of webhook, slack, discord, teams, ntfy, email, command, got 'pagerduty'$/,
  },
  'email target without host': {
    args: add('--type', 'email', '--target', `smtp://u:${SMTP_PW}@:25?to=a@b.c&from=d@e.f`),
    error: /SMTP URI without host: 'smtp:\/\/\*\*\*\*@:25/,
  },
  'email target without recipients': {
    args: add('--type', 'email', '--target', 'smtp://mail?from=d@e.f'),
    error: /SMTP URI needs \?to=/,
  },
  'empty command': { args: add('--type', 'command', '--target', '[]'), error: /the command is empty/ },
  'timeout out of range': {
    args: add('--type', 'slack', '--target', 'https://x/', '--timeout', '0'),
    error: /alerts\.timeout must be a positive number of seconds, got 0/,
  },
  'secret on a slack channel': {
    args: add('--type', 'slack', '--target', 'https://x/', '--secret', SECRET),
    error: /secret \(the HMAC key\) applies to webhook channels only, not slack/,
  },
  'malformed reference': {
    args: add('--type', 'webhook', '--target', 'https://x/${1X}'),
    error: /alerts\.new: target: bad reference/,
  },
  'bad channel name': {
    args: ['config', 'alerts', 'add', 'a b', '--type', 'slack', '--target', 'https://x/'],
    error: /channel name must be/,
  },
  'missing --target': { args: add('--type', 'slack'), error: /Missing required argument: target/ },
  'name already taken': {
    args: ['config', 'alerts', 'add', 'ops', '--type', 'slack', '--target', 'https://x/'],
    error: /alert channel 'ops' already exists; change it with monitor config alerts update ops/,
  },
  'update: unknown name': {
    args: ['config', 'alerts', 'update', 'nope', '--timeout', '3'],
    error: /no alert channel named 'nope' \(channels: ops, pager, mail, script\)/,
  },
  'update: --type given twice': {
    args: ['config', 'alerts', 'update', 'ops', '--type', 'slack', '--type', 'teams'],
    error: /--type was given 2 times; give it once$/,
  },
  'update: nothing to update': { args: ['config', 'alerts', 'update', 'ops'], error: /nothing to update/ },
  'update: type change that leaves a bad target': {
    args: ['config', 'alerts', 'update', 'ops', '--type', 'email'],
    error: /alerts\.ops: target of an email channel must start with smtp:\/\//,
  },
  'remove: unknown name': {
    args: ['config', 'alerts', 'remove', 'nope'],
    error: /no alert channel named 'nope'/,
  },
  'remove: still used': {
    args: ['config', 'alerts', 'remove', 'script'],
    error:
      /alert channel 'script' is used by services\[0\] \(https:\/\/a\.example\/health GET\); pass --force/,
  },
  'service: unknown channel': {
    args: svc('--alert', 'nope'),
    error: /unknown channel 'nope' in alerts \(channels: ops, pager, mail, script;/,
  },
  'service add: unknown channel': {
    args: ['config', 'services', 'add', 'https://d.example/', 'GET', '--alert', 'nope'],
    error: /unknown channel 'nope'/,
  },
  'service: failure threshold 0': {
    args: svc('--failure-threshold', '0'),
    error: /failure_threshold must be a positive whole number, got 0$/,
  },
  'service: failure threshold -1': {
    args: svc('--failure-threshold', '-1'),
    error: /failure_threshold must be a positive whole number, got -1$/,
  },
  'service: success threshold 0': {
    args: svc('--success-threshold', '0'),
    error: /success_threshold must be a positive whole number, got 0$/,
  },
  'service: threshold over 100': {
    args: svc('--failure-threshold', '101'),
    error: /failure_threshold must be between 1 and 100 results/,
  },
  'service: threshold not a number': {
    args: svc('--failure-threshold', 'many'),
    error: /--failure-threshold must be a number/,
  },
  'service: bad failure window': {
    args: svc('--failure-window', '3 of 5'),
    error: /failure_window must be "M\/N"/,
  },
  'service: failure window M > N': {
    args: svc('--failure-window', '6/5'),
    error: /failure_window "6\/5": need 1 <= M <= N <= 100/,
  },
  'service: remind-every too short': {
    args: svc('--remind-every', '30s'),
    error: /remind_every must be at least 60 s, got "30s"$/,
  },
  'service: remind-every not a duration': {
    args: svc('--remind-every', 'daily'),
    error: /remind_every must be a duration/,
  },
};

test(`alerts: ${Object.keys(CASES).length} bad inputs, each exit 2, one line, file unchanged`, async (t) => {
  await checkBadInputs(t, CASES, { home: h.path, config: cfg, printed });
});

test('remove: refused while used, --force takes it out of the services too', async () => {
  await ok(['config', 'alerts', 'remove', 'mail', '-q']);
  assert.equal('mail' in file().alerts, false);
  const out = await ok(['config', 'alerts', 'remove', 'ops', '--force', '-q']);
  assert.match(out, /Alert channel ops was successfully removed and from 1 service\./);
  const c = file();
  assert.equal('ops' in c.alerts, false);
  assert.equal(
    c.services.some((s: { alerts?: string[] }) => s.alerts?.includes('ops')),
    false,
  );
  const c2 = c.services.find((x: { url: string }) => x.url === 'https://c.example/health');
  assert.equal('alerts' in c2, false, 'an emptied list leaves the file');
  await ok(['config', 'alerts', 'remove', 'pager', '-q']);
  await ok(['config', 'alerts', 'remove', 'script', '--force', '-q']);
  assert.equal('alerts' in file(), false, 'the last channel removed takes the key with it');
  assert.equal((await runMonitor(['config', 'validate'], { home: h.path })).code, 0);
});

test('no command printed a secret it was given', () => {
  assert.ok(printed.length >= 40);
  for (const text of printed) {
    assert.ok(!text.includes(SECRET), `secret printed: ${text}`);
    assert.ok(!text.includes(SMTP_PW), `SMTP password printed: ${text}`);
  }
});
