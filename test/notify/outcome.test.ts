import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDuration, summaryOf, textOf } from '../../src/notify/event-text.js';
import { expandChannel, redact } from '../../src/notify/expand.js';
import {
  httpOutcome,
  originOf,
  parseRetryAfter,
  RETRY_AFTER_CAP_MS,
  smtpOutcome,
} from '../../src/notify/outcome.js';
import { channelOf, sampleEvent } from './fixtures.js';

test('HTTP statuses: 2xx accepted, 408/429/5xx retry, other 4xx and 3xx failed', () => {
  for (const s of [200, 201, 204]) assert.equal(httpOutcome(s, undefined, '').status, 'accepted', String(s));
  for (const s of [408, 429, 500, 502, 503])
    assert.equal(httpOutcome(s, undefined, '').status, 'retry', String(s));
  for (const s of [301, 400, 401, 403, 404, 410, 422])
    assert.equal(httpOutcome(s, undefined, '').status, 'failed', String(s));
  assert.equal(httpOutcome(404, undefined, '').code, 404);
});

test('Retry-After: seconds, an HTTP date, capped at one hour; a 4xx failure ignores it', () => {
  const now = Date.parse('2026-12-03T10:00:00Z');
  assert.equal(parseRetryAfter('7', now), 7000);
  assert.equal(parseRetryAfter('Thu, 03 Dec 2026 10:00:30 GMT', now), 30_000);
  assert.equal(parseRetryAfter('Thu, 03 Dec 2026 09:00:00 GMT', now), 0);
  assert.equal(parseRetryAfter('86400', now), RETRY_AFTER_CAP_MS);
  assert.equal(parseRetryAfter('soon', now), null);
  assert.equal(parseRetryAfter(undefined, now), null);
  assert.equal(httpOutcome(503, '12', '').retryAfterMs, 12_000);
  assert.equal(httpOutcome(404, '12', '').retryAfterMs, null);
});

test('details are one line with at most 200 characters of the answer', () => {
  const o = httpOutcome(500, undefined, `first line\nsecond\t line ${'x'.repeat(1000)}`);
  assert.ok(!o.detail.includes('\n'));
  assert.match(o.detail, /^HTTP 500: first line second line x+…$/);
  assert.ok(o.detail.length <= 'HTTP 500: '.length + 200, `${o.detail.length}`);
});

test('SMTP replies: 4xx retry, 5xx failed, 2xx accepted', () => {
  assert.equal(smtpOutcome(451, 'try later').status, 'retry');
  assert.equal(smtpOutcome(550, 'no such user').status, 'failed');
  assert.equal(smtpOutcome(250, 'queued').status, 'accepted');
  assert.equal(smtpOutcome(550, 'no such user').detail, 'SMTP 550: no such user');
});

test('originOf shows scheme, host and port only', () => {
  assert.equal(
    originOf('https://u:pw@hooks.example:8443/services/T0/B0/SECRET?x=1'),
    'https://hooks.example:8443',
  );
  assert.equal(originOf('not a url'), '(target)');
});

test('summaries of each event kind', () => {
  assert.equal(
    summaryOf(sampleEvent('down')),
    'DOWN GET https://x.example/health — timeout: connect ETIMEDOUT (agent a1)',
  );
  assert.equal(
    summaryOf(sampleEvent('resolved')),
    'RESOLVED GET https://x.example/health after 4m 10s (agent a1)',
  );
  assert.equal(
    summaryOf(sampleEvent('reminder', { at: '2026-12-03T11:02:00.000Z' })),
    'REMINDER GET https://x.example/health down for 1h 2m — timeout: connect ETIMEDOUT (agent a1)',
  );
  assert.equal(
    summaryOf(sampleEvent('test')),
    'TEST GET https://x.example/health — test notification (agent a1)',
  );
  assert.match(summaryOf(sampleEvent('degraded', { incident_kind: 'degraded' })), /^DEGRADED GET /);
  const withPassword = sampleEvent('down', {
    service: { url: 'https://u:hunter22@x.example/', method: 'GET', key: 'k' },
  });
  assert.ok(!summaryOf(withPassword).includes('hunter22'));
  assert.equal(formatDuration(3 * 86400_000 + 4 * 3600_000 + 5000), '3d 4h');
  assert.equal(formatDuration(0), '0s');
});

test('the text lists cause, failing conditions, times and ids', () => {
  const text = textOf(
    sampleEvent('down', {
      failing_conditions: [{ condition: 'status == 200', degrades: false, held: false, observed: '503' }],
    }),
  );
  const lines = text.trimEnd().split('\n');
  assert.match(lines[0]!, /^DOWN /);
  assert.ok(lines.includes('Failed: status == 200 (observed 503)'), text);
  assert.ok(lines.includes('Event: 01938a6e-8f00-7abc-8def-0123456789ab'), text);
  assert.ok(lines.includes('Opened: 2026-12-03T10:00:00.000Z'), text);
});

test('expansion: values registered, a missing variable named without any value, redact masks', () => {
  const registered: string[] = [];
  const ch = channelOf('webhook', 'https://h.example/${PATH_KEY}', {
    headers: { Authorization: 'Bearer ${TOKEN}' },
    secret: 'literal-hmac-key',
  });
  const ok = expandChannel(ch, { PATH_KEY: 'p-secret-1', TOKEN: 't-secret-2' }, (v) => registered.push(v));
  assert.ok(ok.ok);
  assert.equal(ok.channel.target, 'https://h.example/p-secret-1');
  assert.equal(ok.channel.headers.Authorization, 'Bearer t-secret-2');
  assert.deepEqual(registered.sort(), ['literal-hmac-key', 'p-secret-1', 't-secret-2']);
  const literal = expandChannel(
    channelOf('email', 'smtp://mon:literal%40pw@mail.example?from=a@b&to=c@d'),
    {},
  );
  assert.ok(literal.ok && literal.secrets.includes('literal@pw'));
  const missing = expandChannel(ch, { PATH_KEY: 'p-secret-1' });
  assert.equal(missing.ok, false);
  assert.ok(!missing.ok && missing.detail.includes('TOKEN'));
  assert.ok(!missing.ok && !missing.detail.includes('p-secret-1'));
  assert.equal(
    redact(
      'at https://h.example/p-secret-1: p-secret-1',
      ['p-secret-1'],
      'https://h.example/p-secret-1',
      'https://h.example',
    ),
    'at https://h.example: ****',
  );
});
