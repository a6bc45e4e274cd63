import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import { after, before, test } from 'node:test';
import type { ChannelType } from '../../src/config/types.js';
import { createNotifier, type Notifier } from '../../src/notify/notifier.js';
import { startNotifyReceiver } from '../helpers/notify-receiver.js';
import { channelOf, never, sampleEvent } from './fixtures.js';

const ENV = { HOOK_KEY: 'k3y-in-the-path-9f8e7d', HMAC: 'hmac-secret-1234', TOKEN: 'tok-abcdef' };
const registered: string[] = [];
let notifier: Notifier;
before(() => {
  notifier = createNotifier({ env: ENV, registerSecret: (v) => registered.push(v), version: '1.2.3' });
});
after(async () => {
  await notifier.close();
});

test('webhook: the event JSON, signed; Idempotency-Key, User-Agent and custom headers', async (t) => {
  const rx = await startNotifyReceiver();
  t.after(() => rx.close());
  const event = sampleEvent('down');
  const ch = channelOf('webhook', rx.url, {
    secret: '${HMAC}',
    headers: { 'X-Team': 'ops', Authorization: 'Bearer ${TOKEN}', 'Idempotency-Key': 'mine' },
  });
  const out = await notifier.deliver(ch, event, never);
  assert.equal(out.status, 'accepted', out.detail);
  assert.equal(out.code, 200);
  assert.ok(out.durationMs >= 0);
  const req = rx.requests[0]!;
  assert.equal(req.method, 'POST');
  assert.equal(req.path, '/hook');
  assert.deepEqual(JSON.parse(req.body.toString('utf8')), event);
  assert.equal(req.headers['content-type'], 'application/json');
  assert.equal(req.headers['idempotency-key'], event.event_id);
  assert.equal(req.headers['user-agent'], 'monitor/1.2.3');
  assert.equal(req.headers['x-team'], 'ops');
  assert.equal(req.headers.authorization, `Bearer ${ENV.TOKEN}`);
  const expected = createHmac('sha256', ENV.HMAC).update(req.body).digest('hex');
  assert.equal(req.headers['x-monitor-signature'], `sha256=${expected}`);
  assert.ok(registered.includes(ENV.HMAC) && registered.includes(ENV.TOKEN));
});

test('webhook without a secret is not signed', async (t) => {
  const rx = await startNotifyReceiver();
  t.after(() => rx.close());
  const out = await notifier.deliver(channelOf('webhook', rx.url), sampleEvent('test'), never);
  assert.equal(out.status, 'accepted', out.detail);
  assert.equal(rx.requests[0]!.headers['x-monitor-signature'], undefined);
});

const chatBodies: [ChannelType, string][] = [
  ['slack', 'text'],
  ['discord', 'content'],
  ['teams', 'text'],
];
for (const [type, field] of chatBodies) {
  test(`${type}: {"${field}": summary} with the Idempotency-Key`, async (t) => {
    const rx = await startNotifyReceiver();
    t.after(() => rx.close());
    const event = sampleEvent('resolved');
    const out = await notifier.deliver(channelOf(type, rx.url), event, never);
    assert.equal(out.status, 'accepted', out.detail);
    const req = rx.requests[0]!;
    assert.deepEqual(JSON.parse(req.body.toString('utf8')), {
      [field]: 'RESOLVED GET https://x.example/health after 4m 10s (agent a1)',
    });
    assert.equal(req.headers['content-type'], 'application/json');
    assert.equal(req.headers['idempotency-key'], event.event_id);
  });
}

test('ntfy: text body, Title, Priority 5 for down and 3 for resolved, Tags', async (t) => {
  const rx = await startNotifyReceiver({}, '/my-topic');
  t.after(() => rx.close());
  const down = sampleEvent('down');
  assert.equal((await notifier.deliver(channelOf('ntfy', rx.url), down, never)).status, 'accepted');
  const resolved = sampleEvent('resolved', { event_id: '01938a6e-8f00-7abc-8def-0000000000ff' });
  assert.equal((await notifier.deliver(channelOf('ntfy', rx.url), resolved, never)).status, 'accepted');
  const [a, b] = rx.requests;
  assert.equal(a!.path, '/my-topic');
  assert.equal(a!.headers.title, 'DOWN GET https://x.example/health - timeout: connect ETIMEDOUT (agent a1)');
  assert.equal(a!.headers.priority, '5');
  assert.equal(a!.headers.tags, 'rotating_light,down');
  assert.match(a!.body.toString('utf8'), /^DOWN GET https:\/\/x\.example\/health — timeout/);
  assert.match(a!.body.toString('utf8'), /\nEvent: 01938a6e-8f00-7abc-8def-0123456789ab\n/);
  assert.equal(a!.headers['idempotency-key'], down.event_id);
  assert.equal(b!.headers.priority, '3');
  assert.equal(b!.headers['idempotency-key'], resolved.event_id);
});

test('500 → retry with the answer in the detail; then the next attempt is accepted', async (t) => {
  const rx = await startNotifyReceiver({ first: { count: 1, answer: { status: 500, body: 'boom\nstack' } } });
  t.after(() => rx.close());
  const ch = channelOf('slack', rx.url);
  const first = await notifier.deliver(ch, sampleEvent(), never);
  assert.deepEqual(
    [first.status, first.code, first.detail, first.retryAfterMs],
    ['retry', 500, 'HTTP 500: boom stack', null],
  );
  const second = await notifier.deliver(ch, sampleEvent(), never);
  assert.equal(second.status, 'accepted');
  assert.equal(rx.requests.length, 2);
});

test('429 with Retry-After: 7 → retry after 7000 ms', async (t) => {
  const rx = await startNotifyReceiver({ rest: { status: 429, headers: { 'retry-after': '7' } } });
  t.after(() => rx.close());
  const out = await notifier.deliver(channelOf('webhook', rx.url), sampleEvent(), never);
  assert.deepEqual([out.status, out.code, out.retryAfterMs], ['retry', 429, 7000]);
});

test('a large error page: the detail keeps 200 characters, and the connections are not held by unread bodies', async (t) => {
  const rx = await startNotifyReceiver({ rest: { status: 500, body: 'e'.repeat(1024 * 1024) } });
  t.after(() => rx.close());
  // More attempts than the notifier's connections per origin: an unread body would stall the next.
  for (let i = 0; i < 6; i++) {
    const out = await notifier.deliver(
      channelOf('webhook', rx.url, { timeoutMs: 5000 }),
      sampleEvent(),
      never,
    );
    assert.deepEqual([out.status, out.code], ['retry', 500], out.detail);
    assert.equal(out.detail, `HTTP 500: ${'e'.repeat(199)}…`);
  }
  assert.equal(rx.requests.length, 6);
});

test('404 → failed', async (t) => {
  const rx = await startNotifyReceiver({ rest: { status: 404, body: 'no such hook' } });
  t.after(() => rx.close());
  const out = await notifier.deliver(channelOf('discord', rx.url), sampleEvent(), never);
  assert.deepEqual([out.status, out.code, out.detail], ['failed', 404, 'HTTP 404: no such hook']);
});

test('a receiver that never answers → retry at the channel timeout', async (t) => {
  const rx = await startNotifyReceiver({ rest: 'hang' });
  t.after(() => rx.close());
  const out = await notifier.deliver(channelOf('webhook', rx.url, { timeoutMs: 200 }), sampleEvent(), never);
  assert.deepEqual([out.status, out.code, out.detail], ['retry', null, 'timeout after 200 ms']);
  assert.equal(rx.requests.length, 1);
});

test("the caller's signal ends an attempt too (shutdown) → retry", async (t) => {
  const rx = await startNotifyReceiver({ rest: 'hang' });
  t.after(() => rx.close());
  const stop = new AbortController();
  const pending = notifier.deliver(
    channelOf('webhook', rx.url, { timeoutMs: 60_000 }),
    sampleEvent(),
    stop.signal,
  );
  await rx.waitFor(1);
  stop.abort();
  const out = await pending;
  assert.deepEqual([out.status, out.detail], ['retry', 'aborted (shutting down)']);
});

test('connection refused → retry', async () => {
  const free = net.createServer().listen(0, '127.0.0.1');
  await once(free, 'listening');
  const { port } = free.address() as net.AddressInfo;
  await new Promise<void>((resolve) => free.close(() => resolve()));
  const out = await notifier.deliver(
    channelOf('webhook', `http://127.0.0.1:${port}/x`),
    sampleEvent(),
    never,
  );
  assert.equal(out.status, 'retry');
  assert.equal(out.code, null);
  assert.match(out.detail, /ECONNREFUSED/);
});

test('a ${SECRET} in the target is expanded, and no outcome detail ever shows it', async (t) => {
  // The receiver echoes the path it was called on: the secret is in the answer's body too.
  const rx = await startNotifyReceiver({
    rest: { status: 503, body: 'unknown hook /services/k3y-in-the-path-9f8e7d' },
  });
  t.after(() => rx.close());
  const target = `${rx.url.replace('/hook', '')}/services/\${HOOK_KEY}`;
  const details: string[] = [];
  for (const type of ['webhook', 'slack', 'ntfy'] as const) {
    const out = await notifier.deliver(channelOf(type, target, { timeoutMs: 2000 }), sampleEvent(), never);
    assert.equal(out.status, 'retry');
    details.push(out.detail);
  }
  assert.equal(rx.requests[0]!.path, `/services/${ENV.HOOK_KEY}`);
  const hang = await startNotifyReceiver({ rest: 'hang' });
  t.after(() => hang.close());
  const timeout = await notifier.deliver(
    channelOf('webhook', `${hang.url}/\${HOOK_KEY}`, { timeoutMs: 100 }),
    sampleEvent(),
    never,
  );
  details.push(timeout.detail);
  const missing = await notifier.deliver(
    channelOf('slack', 'https://h.example/${NOT_SET_VAR}'),
    sampleEvent(),
    never,
  );
  assert.equal(missing.status, 'failed');
  assert.match(missing.detail, /NOT_SET_VAR/);
  details.push(missing.detail);
  for (const d of details) assert.ok(!d.includes(ENV.HOOK_KEY), d);
  assert.ok(details[0]!.includes('****'), details[0]);
  assert.ok(registered.includes(ENV.HOOK_KEY));
});

test('a target that is not an http(s) URL → failed', async () => {
  const out = await notifier.deliver(channelOf('webhook', 'ftp://h.example/x'), sampleEvent(), never);
  assert.equal(out.status, 'failed');
  assert.match(out.detail, /http/);
});
