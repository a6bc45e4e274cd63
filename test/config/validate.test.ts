import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServiceConfig } from '../../src/config/types.js';
import {
  checkCron,
  checkExpectStatus,
  checkExternalUri,
  checkService,
  checkUrl,
  configProblems,
  normaliseMethod,
  serviceProblems,
} from '../../src/config/validate.js';

const base: ServiceConfig = {
  url: 'https://example.com/health',
  method: 'GET',
  check_regex: false,
  regex: null,
  interval_sec: 5,
  timeout: 15,
};

test('URLs: absolute http/https with a host, no spaces, at most 2083 characters', () => {
  assert.equal(checkUrl('http://localhost:8000/'), null);
  assert.equal(checkUrl('https://[::1]:8443/x?y=1'), null);
  assert.equal(checkUrl(`http://e.com/${'a'.repeat(2083 - 13)}`), null);
  assert.match(checkUrl(`http://e.com/${'a'.repeat(2083 - 12)}`) ?? '', /2084 characters long; at most 2083/);
  assert.match(checkUrl('example.com') ?? '', /must be absolute/);
  assert.match(checkUrl('ftp://example.com/') ?? '', /must start with http/);
  assert.match(checkUrl('http:///x') ?? '', /no host/);
  assert.match(checkUrl('http://a b/') ?? '', /spaces/);
});

test('methods: any case, OPTION means OPTIONS, others refused', () => {
  assert.equal(normaliseMethod('get'), 'GET');
  assert.equal(normaliseMethod('OPTION'), 'OPTIONS');
  assert.equal(normaliseMethod('option'), 'OPTIONS');
  assert.equal(normaliseMethod('FETCH'), null);
  assert.equal(normaliseMethod(''), null);
});

test('service rules: interval bounds, positive timeout, regex compiles, check_regex needs regex', () => {
  assert.equal(checkService(base), null);
  assert.equal(checkService({ ...base, interval_sec: 300, timeout: 0.5 }), null);
  assert.match(checkService({ ...base, interval_sec: 4 }) ?? '', /between 5 and 300/);
  assert.match(checkService({ ...base, interval_sec: 301 }) ?? '', /between 5 and 300/);
  assert.match(checkService({ ...base, timeout: 0 }) ?? '', /positive/);
  assert.match(checkService({ ...base, regex: '(' }) ?? '', /does not compile/);
  assert.match(checkService({ ...base, check_regex: true }) ?? '', /needs a regex/);
  assert.match(checkService({ ...base, max_body_bytes: 1.5 }) ?? '', /max_body_bytes/);
});

test('cron via croner; expect_status syntax', () => {
  assert.equal(checkCron('*/10 * * * * *'), null);
  assert.equal(checkCron('0 */5 * * *'), null);
  assert.match(checkCron('bad') ?? '', /invalid cron expression 'bad'/);
  assert.match(checkCron('61 * * * *') ?? '', /invalid cron/);
  assert.match(checkCron('0 0 30 2 *') ?? '', /never fires/);
  assert.equal(checkExpectStatus('200'), null);
  assert.equal(checkExpectStatus('200,204,300-399'), null);
  for (const bad of ['', '2xx', '200-', '399-200', '99', '600', '200;204']) {
    assert.ok(checkExpectStatus(bad), `expected '${bad}' to be refused`);
  }
});

test('external URI must be postgres(ql)://host/db and its message never holds the password', () => {
  assert.equal(checkExternalUri('postgresql://test:1234567890@127.0.0.1:5432/test'), null);
  assert.equal(checkExternalUri('postgres://u@db.internal/app'), null);
  for (const bad of [
    'mysql://u:sekrit99@h/db',
    'postgresql://u:sekrit99@h:99999/db',
    'postgresql://u:sekrit99@h',
    'sekrit99',
  ]) {
    const message = checkExternalUri(bad);
    assert.ok(message, bad);
    assert.ok(!message.includes('sekrit99'), message);
  }
});

test('configProblems names each bad service and duplicates by position', () => {
  const problems = configProblems({
    local_database_path: '/x',
    external_database_uri: null,
    services: [base, { ...base, interval_sec: 60 }, { ...base, url: 'nope' }],
  });
  assert.equal(problems.length, 2);
  assert.match(problems[0] ?? '', /^services\[1\].*duplicate of services\[0\]/);
  assert.match(problems[1] ?? '', /^services\[2\] \(nope GET\): URL must be absolute/);
});

test('serviceProblems lists every problem of a service in rule order; checkService is the first', () => {
  const bad = { ...base, url: 'nope', interval_sec: 1, timeout: 0, cron: 'bad', expect_status: '99' };
  const problems = serviceProblems(bad);
  assert.equal(problems.length, 5);
  assert.match(problems[0] ?? '', /URL must be absolute/);
  assert.match(problems[4] ?? '', /expect_status/);
  assert.equal(checkService(bad), problems[0]);
  // A field parse.ts already reported is not checked again.
  assert.deepEqual(serviceProblems(bad, {}, new Set(['url', 'timeout', 'cron', 'expect_status'])), [
    problems[1],
  ]);
  const all = configProblems({ external_database_uri: null, services: [bad, null, base] });
  assert.equal(all.length, 5);
  assert.ok(all.every((p) => p.startsWith('services[0] (nope GET): ')));
});
