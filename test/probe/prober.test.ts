import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createProber } from '../../src/probe/prober.js';
import type { Prober } from '../../src/probe/types.js';
import { ERROR_CLASSES } from '../../src/results/types.js';
import {
  startBigBodyServer,
  startOkServer,
  startRedirectServer,
  startSlowServer,
} from '../helpers/http-servers.js';
import { resolvedService } from '../helpers/services.js';
import { timedProbe } from './fixtures.js';

let prober: Prober;
before(() => {
  prober = createProber();
});
after(async () => {
  await prober.close();
});

test('an ok probe fills every result field', async () => {
  const server = await startOkServer({ body: 'hello world' });
  try {
    const s = resolvedService(server.url, { check_regex: true, regex: 'wor+ld', timeout: 2 });
    const before = Date.now();
    const result = await prober.probe(s, { scheduledAt: before - 5, agent: 'agent-1' });
    assert.match(result.id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(result.agent, 'agent-1');
    assert.equal(result.serviceKey, s.key);
    assert.equal(result.url, server.url);
    assert.equal(result.method, 'GET');
    assert.equal(result.scheduledAt, before - 5);
    assert.ok(result.startedAt !== null && result.startedAt >= before);
    assert.ok(result.finishedAt >= result.startedAt);
    assert.equal(result.durationMs, result.finishedAt - result.startedAt);
    assert.equal(result.statusCode, 200);
    assert.equal(result.ok, true);
    assert.equal(result.regexRequired, true);
    assert.equal(result.regex, 'wor+ld');
    assert.equal(result.regexMatched, true);
    assert.equal(result.errorClass, null);
    assert.equal(result.errorMessage, null);
    assert.equal(result.bytesRead, 11);
    assert.equal(result.truncated, false);
  } finally {
    await server.close();
  }
});

test('regex miss → regex_mismatch; HEAD has no body to match', async () => {
  const server = await startOkServer({ body: 'hello' });
  try {
    const miss = await prober.probe(
      resolvedService(server.url, { check_regex: true, regex: '^bye', timeout: 2 }),
      {
        scheduledAt: 0,
        agent: 'a',
      },
    );
    assert.equal(miss.ok, false);
    assert.equal(miss.errorClass, 'regex_mismatch');
    assert.equal(miss.regexMatched, false);
    assert.equal(miss.statusCode, 200);
    const head = await prober.probe(
      resolvedService(server.url, { method: 'HEAD', check_regex: true, regex: 'hello', timeout: 2 }),
      {
        scheduledAt: 0,
        agent: 'a',
      },
    );
    assert.equal(head.errorClass, 'regex_mismatch');
    assert.equal(head.regexMatched, null);
    assert.equal(head.bytesRead, 0);
    const plainHead = await prober.probe(resolvedService(server.url, { method: 'HEAD', timeout: 2 }), {
      scheduledAt: 0,
      agent: 'a',
    });
    assert.equal(plainHead.ok, true, plainHead.errorMessage ?? '');
  } finally {
    await server.close();
  }
});

test('expect_status sets decide the verdict', async () => {
  const server = await startOkServer({ status: 204, body: '' });
  const notFound = await startOkServer({ status: 404, body: 'nope' });
  try {
    const cases: [string, string, boolean][] = [
      [server.url, '200-399', true],
      [server.url, '200', false],
      [server.url, '200,204', true],
      [server.url, '100-199, 205-599', false],
      [notFound.url, '200-399', false],
      [notFound.url, '200,404', true],
    ];
    for (const [url, spec, ok] of cases) {
      const r = await prober.probe(resolvedService(url, { expect_status: spec, timeout: 2 }), {
        scheduledAt: 0,
        agent: 'a',
      });
      assert.equal(r.ok, ok, `${url} ${spec}: ${r.errorMessage}`);
      assert.equal(r.errorClass, ok ? null : 'http_status');
      if (!ok) assert.match(r.errorMessage ?? '', new RegExp(`status ${r.statusCode}`));
    }
  } finally {
    await server.close();
    await notFound.close();
  }
});

test('a redirect is recorded as a 3xx by default and followed when asked', async () => {
  const server = await startRedirectServer();
  try {
    const plain = await prober.probe(resolvedService(server.url, { timeout: 2 }), {
      scheduledAt: 0,
      agent: 'a',
    });
    assert.equal(plain.statusCode, 302);
    assert.equal(plain.ok, true); // 302 is in the default 200-399, as in the original
    const strict = await prober.probe(resolvedService(server.url, { expect_status: '200', timeout: 2 }), {
      scheduledAt: 0,
      agent: 'a',
    });
    assert.equal(strict.errorClass, 'http_status');
    const followed = await prober.probe(
      resolvedService(server.url, {
        follow_redirects: true,
        check_regex: true,
        regex: '^final$',
        timeout: 2,
      }),
      { scheduledAt: 0, agent: 'a' },
    );
    assert.equal(followed.statusCode, 200);
    assert.equal(followed.regexMatched, true);
    assert.equal(followed.ok, true, followed.errorMessage ?? '');
  } finally {
    await server.close();
  }
});

test('a 100 MB body is cut at the cap, the rest never downloaded, and memory stays flat', async () => {
  const size = 100 * 1024 * 1024;
  const cap = 1024 * 1024;
  const server = await startBigBodyServer(size);
  try {
    const rssBefore = process.memoryUsage().rss;
    const s = resolvedService(server.url, { check_regex: true, regex: 'b', max_body_bytes: cap, timeout: 2 });
    const { result, elapsedMs } = await timedProbe(prober, s);
    const rssGrowth = process.memoryUsage().rss - rssBefore;
    assert.equal(result.truncated, true);
    assert.equal(result.statusCode, 200);
    assert.ok(result.bytesRead >= cap, `bytesRead ${result.bytesRead}`);
    assert.ok(result.bytesRead <= cap + 64 * 1024, `bytesRead ${result.bytesRead} > cap + one chunk`);
    assert.equal(result.errorClass, 'regex_mismatch');
    assert.match(result.errorMessage ?? '', /truncated/);
    assert.ok(elapsedMs <= 2000 + 1000, `took ${elapsedMs} ms`);
    assert.ok(rssGrowth < 50 * 1024 * 1024, `RSS grew by ${rssGrowth} bytes`);
    assert.ok(server.sent() < size, 'the server was stopped before the whole body');
  } finally {
    await server.close();
  }
});

test('a 1 GB body with no regex is cut at the cap too', async () => {
  const server = await startBigBodyServer(1024 * 1024 * 1024);
  try {
    const rssBefore = process.memoryUsage().rss;
    const { result } = await timedProbe(prober, resolvedService(server.url, { timeout: 2 }));
    assert.equal(result.ok, true, result.errorMessage ?? '');
    assert.equal(result.truncated, true);
    assert.ok(result.bytesRead <= 1024 * 1024 + 64 * 1024);
    assert.ok(process.memoryUsage().rss - rssBefore < 50 * 1024 * 1024);
  } finally {
    await server.close();
  }
});

test('a slow origin does not delay probes of other services', async () => {
  const slow = await startSlowServer(1000);
  const fast = await startOkServer({ body: 'fast' });
  try {
    // More slow probes than the per-origin pool (16), so the slow origin's queue is full too.
    const slowService = resolvedService(slow.url, { timeout: 5 });
    const fastService = resolvedService(fast.url, { timeout: 5 });
    const finished: string[] = [];
    const run = (s: typeof slowService, name: string) =>
      prober.probe(s, { scheduledAt: Date.now(), agent: 'a' }).then((r) => {
        finished.push(name);
        return r;
      });
    const slowRuns = Array.from({ length: 40 }, () => run(slowService, 'slow'));
    const fastRuns = Array.from({ length: 40 }, () => run(fastService, 'fast'));
    const fastResults = await Promise.all(fastRuns);
    // Every fast probe came back before any slow one: ordering, not speed, is what is asserted.
    assert.deepEqual(finished, Array(40).fill('fast'));
    assert.ok(fastResults.every((r) => r.ok));
    const slowResults = await Promise.all(slowRuns);
    // Three waves through the 16-connection pool, all within the 5 s deadline.
    assert.ok(slowResults.every((r) => r.ok && r.statusCode === 200));
    assert.equal(slow.requests(), 40);
  } finally {
    await slow.close();
    await fast.close();
  }
});

test('the shutdown signal ends every probe in flight at once as `other`, never a rejection', async () => {
  const slow = await startSlowServer(5000);
  const warnings: Error[] = [];
  const onWarning = (w: Error) => warnings.push(w);
  process.on('warning', onWarning);
  try {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const s = resolvedService(slow.url, { timeout: 10 });
    // Many probes share the runner's one signal; they must not each hang a listener on it.
    const runs = Array.from({ length: 40 }, () => timedProbe(prober, s, controller.signal));
    for (const { result, elapsedMs } of await Promise.all(runs)) {
      assert.equal(result.errorClass, 'other');
      assert.match(result.errorMessage ?? '', /E_ABORTED/);
      assert.ok(elapsedMs < 5000, `took ${elapsedMs} ms`);
    }
    const late = await timedProbe(prober, s, controller.signal);
    assert.equal(
      late.result.errorClass,
      'other',
      'an already-aborted signal stops the probe before it starts',
    );
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(
      warnings.filter((w) => w.name === 'MaxListenersExceededWarning').map((w) => w.message),
      [],
    );
  } finally {
    process.off('warning', onWarning);
    await slow.close();
  }
});

test('a service that cannot be probed (bad regex, bad status set) is a classified result', async () => {
  const r = await prober.probe(
    resolvedService('http://127.0.0.1:9/', { check_regex: true, regex: '(', timeout: 2 }),
    {
      scheduledAt: 0,
      agent: 'a',
    },
  );
  assert.equal(r.ok, false);
  assert.equal(r.errorClass, 'other');
  assert.match(r.errorMessage ?? '', /regex/);
  assert.ok(ERROR_CLASSES.includes(r.errorClass!));
  const s = await prober.probe(resolvedService('http://127.0.0.1:9/', { expect_status: '2xx', timeout: 2 }), {
    scheduledAt: 0,
    agent: 'a',
  });
  assert.equal(s.errorClass, 'other');
  assert.match(s.errorMessage ?? '', /expect_status/);
});
