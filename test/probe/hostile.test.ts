import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createProber } from '../../src/probe/prober.js';
import type { Prober } from '../../src/probe/types.js';
import type { ErrorClass } from '../../src/results/types.js';
import {
  refusedUrl,
  startGzipBombServer,
  startHeadersThenSilenceServer,
  startInvalidHttpServer,
  startIpv6Server,
  startManyHeadersServer,
  startNeverAcceptServer,
  startOkServer,
  startRedirectServer,
  startResetServer,
  startSlowServer,
  startTlsHangServer,
  startTlsServer,
  startTrickleServer,
  type TestServer,
} from '../helpers/http-servers.js';
import { resolvedService } from '../helpers/services.js';
import { timedProbe } from './fixtures.js';

/** Each hostile endpoint must give its error class within the service timeout + 1 s. */
const TIMEOUT_S = 2;
const BOUND_MS = TIMEOUT_S * 1000 + 1000;

let prober: Prober;
before(() => {
  prober = createProber();
});
after(async () => {
  await prober.close();
});

async function expectClass(
  server: TestServer | string,
  errorClass: ErrorClass,
  code: RegExp,
  overrides: Parameters<typeof resolvedService>[1] = {},
) {
  const url = typeof server === 'string' ? server : server.url;
  try {
    const { result, elapsedMs } = await timedProbe(
      prober,
      resolvedService(url, { timeout: TIMEOUT_S, ...overrides }),
    );
    assert.equal(result.errorClass, errorClass, `${url}: ${result.errorMessage}`);
    assert.equal(result.ok, false);
    assert.match(result.errorMessage ?? '', code);
    // The class is stored and shown beside the message; the message must not say it again.
    assert.doesNotMatch(result.errorMessage ?? '', new RegExp(`^${errorClass}(:| while)`, 'i'));
    assert.doesNotMatch(result.errorMessage ?? '', new RegExp(`^${errorClass} E[A-Z]`));
    assert.ok(elapsedMs <= BOUND_MS, `took ${elapsedMs} ms, bound ${BOUND_MS} ms`);
    return result;
  } finally {
    if (typeof server !== 'string') await server.close();
  }
}

test('headers then silence → timeout while reading the body, status kept', async () => {
  const r = await expectClass(
    await startHeadersThenSilenceServer(),
    'timeout',
    /ETIMEDOUT|UND_ERR_BODY_TIMEOUT/,
  );
  assert.equal(r.statusCode, 200);
  assert.match(r.errorMessage!, /body/);
});

test('no response headers before the deadline → timeout waiting for the headers', async () => {
  const r = await expectClass(await startSlowServer(10_000), 'timeout', /ETIMEDOUT|UND_ERR_HEADERS_TIMEOUT/);
  assert.match(r.errorMessage!, /response headers/);
  assert.equal(r.statusCode, null);
});

test('a body trickling one byte a second → timeout', async () => {
  const r = await expectClass(await startTrickleServer(), 'timeout', /ETIMEDOUT|UND_ERR_BODY_TIMEOUT/);
  assert.ok(r.bytesRead >= 1 && r.bytesRead <= 5, `bytesRead ${r.bytesRead}`);
});

test('refused port → connect (ECONNREFUSED)', async () => {
  await expectClass(await refusedUrl(), 'connect', /ECONNREFUSED/);
});

test('accepted then reset → reset', async () => {
  await expectClass(await startResetServer(), 'reset', /ECONNRESET|UND_ERR_SOCKET/);
});

test('invalid HTTP → protocol', async () => {
  await expectClass(await startInvalidHttpServer(), 'protocol', /HPE_/);
});

test('10,000 response headers → protocol (header overflow)', async () => {
  await expectClass(
    await startManyHeadersServer(),
    'protocol',
    /UND_ERR_HEADERS_OVERFLOW|HPE_HEADER_OVERFLOW/,
  );
});

test('TLS handshake that never completes → timeout', async () => {
  const r = await expectClass(await startTlsHangServer(), 'timeout', /ETIMEDOUT|UND_ERR_CONNECT_TIMEOUT/);
  assert.match(r.errorMessage!, /TLS handshake/);
});

test('self-signed certificate → tls', async () => {
  await expectClass(await startTlsServer('self-signed'), 'tls', /DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED/);
});

test('expired certificate → tls (CERT_HAS_EXPIRED)', async () => {
  // Verification checks the chain before dates; a self-signed expired cert reports either.
  await expectClass(await startTlsServer('expired'), 'tls', /CERT_HAS_EXPIRED|SELF_SIGNED/);
});

test('tls_verify false accepts the self-signed and the expired certificate', async () => {
  for (const kind of ['self-signed', 'expired'] as const) {
    const server = await startTlsServer(kind);
    try {
      const { result } = await timedProbe(
        prober,
        resolvedService(server.url, { tls_verify: false, timeout: 2 }),
      );
      assert.equal(result.ok, true, `${kind}: ${result.errorMessage}`);
      assert.equal(result.statusCode, 200);
    } finally {
      await server.close();
    }
  }
});

test('a port that never accepts → timeout within the deadline', async () => {
  const r = await expectClass(await startNeverAcceptServer(), 'timeout', /ETIMEDOUT|UND_ERR_CONNECT_TIMEOUT/);
  assert.match(r.errorMessage!, /TCP connect/);
});

test('redirect loop with following on → redirect', async () => {
  const server = await startRedirectServer();
  const r = await expectClass(server.loopUrl, 'redirect', /Redirect loop detected \(UND_ERR_INVALID_ARG\)/, {
    follow_redirects: true,
  });
  assert.doesNotMatch(r.errorMessage ?? '', /Use an Agent/);
  await server.close();
});

test('gzip bomb is only its compressed bytes: nothing is inflated', async () => {
  const server = await startGzipBombServer();
  try {
    const { result } = await timedProbe(
      prober,
      resolvedService(server.url, { max_body_bytes: 10 * 1024 * 1024, timeout: 2 }),
    );
    assert.equal(result.ok, true, result.errorMessage ?? '');
    assert.equal(result.bytesRead, server.wireBytes);
    assert.equal(result.truncated, false);
  } finally {
    await server.close();
  }
});

test('IPv6-only service on ::1', async () => {
  // Issue 7 requires this case: a machine without an IPv6 loopback fails here rather than skipping.
  const server = await startIpv6Server();
  try {
    const { result } = await timedProbe(
      prober,
      resolvedService(server.url, { check_regex: true, regex: '^v6$', timeout: 2 }),
    );
    assert.equal(result.ok, true, result.errorMessage ?? '');
    assert.equal(result.regexMatched, true);
  } finally {
    await server.close();
  }
});

test('all hostile endpoints at once do not hold up a healthy service', async () => {
  const servers: TestServer[] = await Promise.all([
    startHeadersThenSilenceServer(),
    startTrickleServer(),
    startTlsHangServer(),
    startNeverAcceptServer(),
    startSlowServer(10_000),
  ]);
  const healthy = await startOkServer({ body: 'fine' });
  try {
    const finished: string[] = [];
    const hostile = servers.flatMap((srv) =>
      Array.from({ length: 20 }, () =>
        prober
          .probe(resolvedService(srv.url, { timeout: TIMEOUT_S }), { scheduledAt: 0, agent: 'a' })
          .then((r) => {
            finished.push('hostile');
            return r;
          }),
      ),
    );
    for (let i = 0; i < 20; i++) {
      const r = await prober.probe(resolvedService(healthy.url, { timeout: TIMEOUT_S }), {
        scheduledAt: 0,
        agent: 'a',
      });
      assert.equal(r.ok, true, r.errorMessage ?? '');
      finished.push('healthy');
    }
    // The healthy probes ran one after another while 100 hostile ones were stuck; ordering shows
    // none of them waited for a hostile deadline.
    assert.deepEqual(finished, Array(20).fill('healthy'));
    const results = await Promise.all(hostile);
    assert.ok(results.every((r) => r.errorClass === 'timeout'));
  } finally {
    await healthy.close();
    await Promise.all(servers.map((srv) => srv.close()));
  }
});
