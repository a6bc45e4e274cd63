import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { createGatedProber } from '../../src/probe/gated-prober.js';
import { createProber } from '../../src/probe/prober.js';
import { createThreadedProber, type ThreadedProberOptions } from '../../src/probe/threaded-prober.js';
import type { Prober } from '../../src/probe/types.js';
import type { ProbeResult } from '../../src/results/types.js';
import { refusedUrl, startOkServer, startSlowServer } from '../helpers/http-servers.js';
import { resolvedService } from '../helpers/services.js';
import { timedProbe } from './fixtures.js';

let threaded: Prober;
let direct: Prober;
before(() => {
  threaded = createThreadedProber();
  direct = createProber();
});
after(async () => {
  await threaded.close();
  await direct.close();
});

/** The fields that do not depend on when or how fast the probe ran. */
function verdict(r: ProbeResult) {
  const { id: _id, startedAt: _s, finishedAt: _f, durationMs: _d, ...rest } = r;
  // Phase times vary; that each is there or not (a new connection or a reused one) is compared.
  for (const k of ['dnsMs', 'connectMs', 'tlsMs', 'ttfbMs', 'transferMs'] as const)
    rest[k] = rest[k] === null ? null : 0;
  return rest;
}

/** Answers /code/N with status N and a body naming N, so a result can be matched to its request. */
async function startCodeServer(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const code = Number(req.url?.split('/')[2] ?? 500);
    res.writeHead(code, { 'content-type': 'text/plain' });
    res.end(`code=${code}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

test('a probe in the worker thread gives the same result as one on the main thread', async () => {
  const ok = await startOkServer({ body: 'hello world' });
  const refused = await refusedUrl();
  try {
    const cases = [
      resolvedService(ok.url, { check_regex: true, regex: 'wor+ld', timeout: 2 }),
      resolvedService(ok.url, { check_regex: true, regex: '^bye', timeout: 2 }),
      resolvedService(ok.url, { expect_status: '204', timeout: 2 }),
      resolvedService(ok.url, { method: 'HEAD', timeout: 2 }),
      resolvedService(refused, { timeout: 2 }),
      resolvedService('http://127.0.0.1:1/[', { check_regex: true, regex: '(', timeout: 2 }),
    ];
    for (const s of cases) {
      const opts = { scheduledAt: 1_700_000_000_000, agent: 'agent-7' };
      const [a, b] = await Promise.all([threaded.probe(s, opts), direct.probe(s, opts)]);
      assert.deepEqual(verdict(a), verdict(b), `${s.method} ${s.url} regex=${s.regex}`);
      assert.match(a.id, /^[0-9a-f-]{36}$/);
      assert.ok(a.startedAt !== null && a.finishedAt >= a.startedAt);
      assert.equal(a.durationMs, a.finishedAt - a.startedAt);
    }
  } finally {
    await ok.close();
  }
});

test('hundreds of concurrent probes each get their own result', async () => {
  const server = await startCodeServer();
  try {
    const codes = [200, 201, 202, 204, 301, 404, 418, 500, 503];
    const jobs = Array.from({ length: 400 }, (_, i) => {
      const code = codes[i % codes.length]!;
      // A new service object each time, so the worker also learns 400 services.
      const s = resolvedService(`${server.url}/code/${code}/${i}`, { expect_status: '200-599', timeout: 2 });
      return threaded.probe(s, { scheduledAt: i, agent: 'a' }).then((r) => ({ r, code, i, s }));
    });
    const done = await Promise.all(jobs);
    for (const { r, code, i, s } of done) {
      assert.equal(r.statusCode, code, `probe ${i}`);
      assert.equal(r.scheduledAt, i);
      assert.equal(r.serviceKey, s.key);
      assert.equal(r.url, s.url);
      assert.equal(r.ok, true);
    }
    assert.equal(new Set(done.map((d) => d.r.id)).size, done.length);
  } finally {
    await server.close();
  }
});

test('the shutdown signal reaches probes in the worker: they end at once, classified as aborted', async () => {
  const slow = await startSlowServer(30_000);
  try {
    const s = resolvedService(slow.url, { timeout: 20 });
    const controller = new AbortController();
    const pending = timedProbe(threaded, s, controller.signal);
    const reference = timedProbe(direct, s, controller.signal);
    setTimeout(() => controller.abort(), 200);
    const [{ result, elapsedMs }, ref] = await Promise.all([pending, reference]);
    assert.ok(elapsedMs < 3000, `took ${elapsedMs} ms`);
    assert.equal(result.ok, false);
    assert.equal(result.errorClass, ref.result.errorClass);
    assert.equal(result.errorMessage, ref.result.errorMessage);
    // A signal that is already aborted: the probe does not wait for its deadline either.
    const late = await timedProbe(threaded, s, controller.signal);
    assert.ok(late.elapsedMs < 3000, `took ${late.elapsedMs} ms`);
    assert.equal(late.result.errorClass, ref.result.errorClass);
  } finally {
    await slow.close();
  }
});

test('a catastrophic regex does not stall the worker: RE2 answers ^(a+)+$, a lookahead variant stops at its budget', async () => {
  // (a+)+$ against a run of a's ending in '!' backtracked in V8 for longer than anyone would wait,
  // and stuck the whole probe worker (every service with it) until the watchdog replaced it.
  const evil = await startOkServer({ body: `${'a'.repeat(40)}!` });
  const ok = await startOkServer({ body: 'fine' });
  const prober = createThreadedProber({ hangMs: 1500 });
  try {
    const plain = await timedProbe(
      prober,
      resolvedService(evil.url, { check_regex: true, regex: '^(a+)+$', timeout: 2 }),
    );
    assert.equal(plain.result.errorClass, 'regex_mismatch', plain.result.errorMessage ?? '');
    const lookahead = await timedProbe(
      prober,
      resolvedService(evil.url, { check_regex: true, regex: '^(a+)+(?=$)', timeout: 2 }),
    );
    assert.equal(lookahead.result.errorClass, 'regex_timeout', lookahead.result.errorMessage ?? '');
    assert.equal(lookahead.result.statusCode, 200);
    const next = await prober.probe(
      resolvedService(ok.url, { check_regex: true, regex: 'fine', timeout: 2 }),
      {
        scheduledAt: 0,
        agent: 'a',
      },
    );
    assert.equal(next.ok, true, next.errorMessage ?? '');
  } finally {
    await prober.close();
    await evil.close();
    await ok.close();
  }
});

test('a worker silent for longer than hangMs is replaced: its probe fails as other at once', async () => {
  // No regex can block the worker any more; a hangMs below the worker's 1 s heartbeat makes a
  // probe of a slow server look like a stuck worker, which exercises the same last resort. (That a
  // fresh worker then takes the next probes is shown above, after regex timeouts; here any fresh
  // worker would itself look stuck while it starts.)
  const slow = await startSlowServer(4000);
  const prober = createThreadedProber({ hangMs: 300 });
  try {
    const stuck = await timedProbe(prober, resolvedService(slow.url, { timeout: 10 }));
    assert.equal(stuck.result.ok, false);
    assert.equal(stuck.result.errorClass, 'other');
    assert.match(stuck.result.errorMessage ?? '', /probe worker stopped answering/);
    assert.ok(stuck.elapsedMs < 4000, `took ${stuck.elapsedMs} ms`);
  } finally {
    await prober.close();
    await slow.close();
  }
});

test('after close() a probe is answered as other without a request', async () => {
  const ok = await startOkServer();
  const prober = createThreadedProber();
  try {
    const first = await prober.probe(resolvedService(ok.url, { timeout: 2 }), { scheduledAt: 0, agent: 'a' });
    assert.equal(first.ok, true);
    await prober.close();
    const afterClose = await prober.probe(resolvedService(ok.url, { timeout: 2 }), {
      scheduledAt: 1,
      agent: 'a',
    });
    assert.equal(afterClose.errorClass, 'other');
    assert.match(afterClose.errorMessage ?? '', /closed/);
    assert.equal(ok.requests(), 1);
  } finally {
    await ok.close();
  }
});

// The caps apply where the requests are made: in the worker for the threaded prober, around
// probe() for the in-thread one (the same gated-prober.ts either way).
for (const [where, makeGated] of [
  ['the worker', (o: ThreadedProberOptions) => createThreadedProber(o)],
  ['the gated in-thread prober', (o: ThreadedProberOptions) => createGatedProber(o)],
] as const) {
  test(`${where} holds an origin to perOrigin requests and writes off a probe whose window ends while it waits`, async () => {
    let active = 0;
    let peak = 0;
    const server = http.createServer((_req, res) => {
      active++;
      peak = Math.max(peak, active);
      setTimeout(() => {
        active--;
        res.end('ok');
      }, 300);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const prober = makeGated({ perOrigin: 2 });
    try {
      // The worker thread starts with the first probe (a few hundred ms): not inside the windows.
      await prober.probe(resolvedService(`http://127.0.0.1:${port}/warm`, { timeout: 2 }), {
        scheduledAt: 0,
        agent: 'a',
      });
      peak = 0;
      const t0 = Date.now();
      // Six probes of one origin, windows ending 450 ms from now: two start at once, two when
      // those finish (~300 ms), and the last two would start at ~600 ms, after their window.
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          prober.probe(resolvedService(`http://127.0.0.1:${port}/p${i}`, { timeout: 2 }), {
            scheduledAt: t0,
            windowEndsAt: t0 + 450,
            agent: 'a',
          }),
        ),
      );
      assert.equal(peak, 2, 'requests in flight at the server');
      assert.deepEqual(
        results.map((r) => r.errorClass),
        [null, null, null, null, 'missed', 'missed'],
      );
      for (const r of results.slice(4)) {
        assert.equal(r.startedAt, null);
        assert.match(
          r.errorMessage ?? '',
          /slot not started before its window ended: the concurrency caps stayed full/,
        );
        assert.equal(r.url, `http://127.0.0.1:${port}/p${results.indexOf(r)}`);
      }
      // The waiting pair started as the first pair finished: their duration is the request alone.
      for (const r of results.slice(2, 4)) {
        assert.ok((r.startedAt ?? 0) - t0 >= 250, `started ${(r.startedAt ?? 0) - t0} ms in`);
        assert.ok((r.durationMs ?? 0) < 600, `took ${r.durationMs} ms`);
      }
    } finally {
      await prober.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  test(`at shutdown, probes still waiting for a slot in ${where} end at once as missed, never started`, async () => {
    const slow = await startSlowServer(30_000);
    const prober = makeGated({ perOrigin: 1 });
    try {
      await prober.probe(resolvedService(`${slow.url}`, { timeout: 1 }), { scheduledAt: 0, agent: 'a' });
      const controller = new AbortController();
      const t0 = Date.now();
      const pending = Array.from({ length: 3 }, (_, i) =>
        prober.probe(resolvedService(`${slow.url}?n=${i}`, { timeout: 20 }), {
          scheduledAt: t0,
          windowEndsAt: t0 + 60_000,
          agent: 'a',
          signal: controller.signal,
        }),
      );
      setTimeout(() => controller.abort(), 300);
      const [first, ...waited] = await Promise.all(pending);
      assert.ok(Date.now() - t0 < 3000, `took ${Date.now() - t0} ms`);
      assert.notEqual(first!.startedAt, null, 'the first one was running');
      assert.notEqual(first!.errorClass, 'missed');
      for (const r of waited) {
        assert.equal(r.errorClass, 'missed');
        assert.equal(r.startedAt, null);
        assert.match(r.errorMessage ?? '', /the monitor stopped while it waited/);
      }
    } finally {
      await prober.close();
      await slow.close();
    }
  });
}
