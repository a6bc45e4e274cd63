import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { test } from 'node:test';
import {
  channelProblems,
  commandArgv,
  smtpProblem,
  unknownChannelProblem,
} from '../../src/config/alert-validate.js';
import { maskChannelSecrets, restoreChannelSecrets } from '../../src/config/channel-secrets.js';
import { checkConfigDocument } from '../../src/config/check.js';
import { windowProblems } from '../../src/config/maintenance-validate.js';
import { maskedConfig, restoreMaskedSecrets } from '../../src/config/masked-secrets.js';
import { serviceKey } from '../../src/config/service-key.js';
import type { MonitorConfig, ServiceConfig } from '../../src/config/types.js';

const svc: ServiceConfig = {
  url: 'https://db.example/health',
  method: 'GET',
  check_regex: false,
  regex: null,
  interval_sec: 5,
  timeout: 15,
};

/** The design's example file (docs/alerts.md), which must be valid as written. */
const DESIGN_EXAMPLE = {
  local_database_path: '/x.sqlite3',
  external_database_uri: null,
  alerts: {
    'ops-slack': { type: 'slack', target: 'https://hooks.slack.com/services/${SLACK}' },
    pager: {
      type: 'webhook',
      target: 'https://x/hook',
      headers: { 'X-A': 'b' },
      secret: '${HMAC}',
      timeout: 10,
    },
    mail: { type: 'email', target: 'smtp://user:${PW}@mail:587?from=mon@x.org&to=a@x.org,b@x.org' },
    script: { type: 'command', target: '["/usr/local/bin/page", "--urgent"]' },
  },
  maintenance: {
    'sunday-db': {
      cron: '0 2 * * 0',
      duration: '2h',
      timezone: 'Europe/Berlin',
      services: ['https://db.example/health'],
    },
    migration: { start: '2026-12-05T22:00:00+01:00', end: '2026-12-06T01:00:00+01:00' },
  },
  alerting: { enabled: true, max_age: '24h', retry_max: '5m' },
  services: [
    {
      ...svc,
      alerts: ['ops-slack', 'pager'],
      failure_threshold: 3,
      failure_window: '3/5',
      success_threshold: 2,
      alert_on_degraded: false,
      remind_every: '1h',
      send_resolved: true,
    },
  ],
};

const check = (doc: unknown) => checkConfigDocument(doc, tmpdir()).problems;

test("the design's example config has no problem", () => {
  assert.deepEqual(check(DESIGN_EXAMPLE), []);
});

test('every bad alerting value is listed, one line each, naming where it is', () => {
  const doc = JSON.parse(JSON.stringify(DESIGN_EXAMPLE));
  doc.alerts.pager.target = 'not a url';
  doc.alerts.mail.target = 'smtp://mail:587?from=mon@x.org';
  doc.alerts.script.timeout = 0;
  doc.maintenance.migration.end = '2026-12-05T21:00:00+01:00';
  doc.maintenance['sunday-db'].timezone = 'Nowhere/Land';
  doc.alerting.retry_max = 'soon';
  doc.services[0].alerts.push('nope');
  doc.services[0].failure_threshold = -1;
  doc.services[0].remind_every = '30s';
  const problems = check(doc);
  const expected = [
    /^alerts\.pager: target: URL must not contain spaces/,
    /^alerts\.mail: SMTP URI needs \?to=/,
    /^alerts\.script: alerts\.timeout must be a positive number of seconds, got 0$/,
    /^maintenance\.sunday-db: timezone must be an IANA time zone .* got 'Nowhere\/Land'$/,
    /^maintenance\.migration: end must be after start/,
    /^alerting\.retry_max must be a duration/,
    /^services\[0\] \(https:\/\/db\.example\/health GET\): failure_threshold must be a positive whole number, got -1$/,
    /^services\[0\] .*: remind_every must be at least 60 s, got "30s"$/,
    /^services\[0\] .*: unknown channel 'nope' in alerts/,
  ];
  assert.equal(problems.length, expected.length, problems.join('\n'));
  for (const [i, re] of expected.entries()) assert.match(problems[i] ?? '', re);
});

test('wrong shapes are reported once, by parse, and not again by the value rules', () => {
  const doc = JSON.parse(JSON.stringify(DESIGN_EXAMPLE));
  doc.alerts.list = ['x'];
  doc.services[0].failure_threshold = '3';
  doc.services[0].alerts = 'ops-slack';
  const problems = check(doc);
  assert.deepEqual(problems, [
    'services[0] (https://db.example/health GET): alerts must be a list of channel names, got a string',
    'services[0] (https://db.example/health GET): failure_threshold must be a number, got a string',
    'alerts.list must be an object, got a list',
  ]);
});

test('channel targets by type: URLs, SMTP URIs, command argv', () => {
  const problem = (type: string, target: string, extra: object = {}) =>
    channelProblems('c', { type, target, ...extra })[0] ?? null;
  assert.equal(problem('ntfy', 'https://ntfy.sh/${TOPIC}'), null);
  assert.equal(problem('discord', 'https://${HOST}/api/webhooks/1'), null);
  assert.match(problem('teams', 'http:///nohost') ?? '', /URL has no host/);
  assert.match(
    problem('pagerduty', 'https://x/') ?? '',
    /type must be one of webhook, slack, .*got 'pagerduty'/,
  );
  assert.match(problem('webhook', 'https://x/${1BAD}') ?? '', /target: bad reference/);
  assert.match(problem('email', 'smtp://:587?to=a@b.c&from=d@e.f') ?? '', /SMTP URI without host/);
  assert.match(problem('email', 'mailto:a@b.c') ?? '', /must start with smtp:\/\/ or smtps:\/\//);
  assert.match(problem('email', 'smtps://h?to=a@b.c') ?? '', /needs \?from=/);
  assert.match(
    problem('email', 'smtp://h?to=nobody&from=a@b.c') ?? '',
    /to: 'nobody' is not an e-mail address/,
  );
  assert.equal(smtpProblem('smtps://u:${PW}@mail.example:465?from=a@b.c&to=d@e.f,g@h.i'), null);
  assert.deepEqual(commandArgv('  /bin/page  --urgent '), ['/bin/page', '--urgent']);
  assert.deepEqual(commandArgv('["/bin/page", "two words"]'), ['/bin/page', 'two words']);
  assert.match(problem('command', '   ') ?? '', /target must not be empty/);
  assert.match(problem('command', '[]') ?? '', /the command is empty/);
  assert.match(problem('command', '["a", 1]') ?? '', /JSON array of strings/);
  assert.match(
    problem('slack', 'https://h/x', { secret: 'k' }) ?? '',
    /secret .* applies to webhook channels only/,
  );
  assert.match(
    problem('email', 'smtp://h?to=a@b.c&from=d@e.f', { headers: { A: 'b' } }) ?? '',
    /headers apply to HTTP/,
  );
  assert.match(
    problem('webhook', 'https://h/x', { headers: { 'Bad Name': 'b' } }) ?? '',
    /not a valid HTTP token/,
  );
  assert.match(problem('webhook', 'https://h/x', { timeout: 301 }) ?? '', /between 0\.1 and 300 seconds/);
  assert.match(
    channelProblems('bad name', { type: 'webhook', target: 'https://h/' })[0] ?? '',
    /channel name must be/,
  );
});

test('messages never quote an SMTP password or a secret', () => {
  const problems = [
    ...channelProblems('m', { type: 'email', target: 'smtp://u:Hunter2secret@/x?to=a@b.c' }),
    ...channelProblems('w', { type: 'webhook', target: 'https://u:Hunter2secret@h/ x' }),
  ];
  assert.equal(problems.length, 2);
  for (const p of problems) assert.ok(!p.includes('Hunter2secret'), p);
});

test('maintenance windows: one form or the other, services by URL, masked URL or key', () => {
  const services = [{ ...svc, url: 'https://u:pw@db.example/health' }];
  const p = (w: object) => windowProblems('w', w, services);
  assert.deepEqual(
    p({ cron: '*/5 * * * *', duration: '10m', services: ['https://u:pw@db.example/health'] }),
    [],
  );
  assert.deepEqual(
    p({ cron: '0 2 * * *', duration: '1h', services: ['https://u:****@db.example/health'] }),
    [],
  );
  assert.deepEqual(p({ cron: '0 2 * * *', duration: '1h', services: [serviceKey(services[0]!)] }), []);
  assert.match(
    p({ cron: '0 2 * * *', duration: '1h', services: ['https://other/'] })[0] ?? '',
    /no configured service/,
  );
  assert.match(
    p({ start: '2026-12-05T22:00:00Z', end: '2026-12-06T01:00:00Z', cron: '0 2 * * *' })[0] ?? '',
    /not both/,
  );
  assert.match(p({})[0] ?? '', /needs start and end .* or cron and duration/);
  assert.match(
    p({ start: '2026-12-05 22:00', end: '2026-12-06T01:00:00Z' })[0] ?? '',
    /start must be an ISO 8601 time with an offset/,
  );
  assert.match(p({ start: '2026-12-05T22:00:00Z' })[0] ?? '', /end is missing/);
  assert.match(
    p({ cron: 'every sunday', duration: '1h' })[0] ?? '',
    /invalid cron expression 'every sunday'/,
  );
  assert.match(p({ cron: '0 2 * * *', duration: 'long' })[0] ?? '', /duration must be a duration/);
  assert.match(
    p({ cron: '0 2 * * *', duration: '1h', timezone: 'Europe/Nowhere' })[0] ?? '',
    /timezone must be an IANA/,
  );
});

test('unknown channel names the channel and the ones there are', () => {
  assert.equal(unknownChannelProblem({ ...svc, alerts: ['a'] }, ['a', 'b']), null);
  assert.match(
    unknownChannelProblem({ ...svc, alerts: ['a', 'zz'] }, ['a']) ?? '',
    /unknown channel 'zz' .*channels: a;/,
  );
  assert.match(unknownChannelProblem({ ...svc, alerts: ['zz'] }, []) ?? '', /no channels are configured/);
});

test('export masks channel secrets and URI passwords; import restores them from the same channel', () => {
  const config = {
    local_database_path: '/x',
    external_database_uri: null,
    services: [],
    alerts: {
      hook: {
        type: 'webhook',
        target: 'https://u:urlpass1@h/x',
        secret: 'hmackey1',
        headers: { 'X-Token': 'tok1' },
      },
      ref: { type: 'webhook', target: 'https://h/y', secret: '${HMAC}' },
      mail: { type: 'email', target: 'smtp://u:smtppass1@mail?to=a@b.c&from=d@e.f' },
    },
  } as MonitorConfig;
  const exported = maskedConfig(config);
  const text = JSON.stringify(exported);
  for (const secret of ['urlpass1', 'hmackey1', 'tok1', 'smtppass1'])
    assert.ok(!text.includes(secret), secret);
  assert.equal(exported.alerts?.['ref']?.secret, '${HMAC}');
  assert.equal(exported.alerts?.['mail']?.target, 'smtp://u:****@mail?to=a@b.c&from=d@e.f');
  const back = restoreMaskedSecrets(config, exported);
  assert.deepEqual(back.problems, []);
  assert.deepEqual(back.config.alerts, config.alerts);
  // A masked value under another name has nothing to be restored from.
  const renamed = restoreChannelSecrets(config.alerts, {
    other: maskChannelSecrets(config.alerts!['hook']!),
  });
  assert.deepEqual(renamed.unknown, [
    'alerts.other: target',
    'alerts.other: secret',
    'alerts.other: header X-Token',
  ]);
});
