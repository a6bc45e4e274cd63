import assert from 'node:assert/strict';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, type TestContext, test } from 'node:test';
import type { TLSSocket } from 'node:tls';
import { createProber } from '../../src/probe/prober.js';
import type { Prober } from '../../src/probe/types.js';
import type { ProbeResult } from '../../src/results/types.js';
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server.js';
import { makePki, type TestPki } from '../helpers/pki.js';
import { resolvedService } from '../helpers/services.js';

/**
 * Issue 14 against real servers: the request a service sends (headers, body, auth with secrets
 * from the environment), the conditions and three states, TLS facts and phase timings.
 */

const SECRETS = {
  TEST_API_KEY: 'k-secret-7f3a',
  TEST_TOKEN: 'tok-secret-91c2',
  TEST_PASSWORD: 'pw-secret-55e0',
};

interface Seen {
  method: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  servername: string | null;
  clientCn: string | null;
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

/** A server that records each request and answers through `handle`; closed when test `t` ends. */
async function startEcho(
  t: TestContext,
  handle: Handler,
  tls?: https.ServerOptions,
): Promise<{ url: string; port: number; seen: Seen[] }> {
  const seen: Seen[] = [];
  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const socket = req.socket as TLSSocket;
      const body = Buffer.concat(chunks).toString('utf8');
      const peer = tls ? socket.getPeerCertificate() : null;
      seen.push({
        method: req.method ?? '',
        headers: req.headers,
        body,
        servername: tls ? ((socket as unknown as { servername?: string }).servername ?? null) : null,
        clientCn: peer?.subject ? String(peer.subject.CN) : null,
      });
      handle(req, res, body);
    });
  };
  const server = tls ? https.createServer(tls, listener) : http.createServer(listener);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  t.after(() => {
    server.closeAllConnections();
    return new Promise<void>((r) => server.close(() => r()));
  });
  return { url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}/`, port, seen };
}

const json =
  (body: unknown, status = 200): Handler =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', 'x-version': 'v2' });
    res.end(JSON.stringify(body));
  };

let pki: TestPki;
let dns: TestDnsServer;
let prober: Prober;
before(async () => {
  pki = makePki(3, ['timing.monitor.test', 'named.monitor.test']);
  dns = await startDnsServer({ 'timing.monitor.test': { kind: 'a', addresses: ['127.0.0.1'] } });
  prober = createProber({ env: SECRETS, dnsServers: [dns.server] });
});
after(async () => {
  await prober.close();
  await dns.close();
  rmSync(pki.dir, { recursive: true, force: true });
});

const probe = (url: string, overrides: Record<string, unknown>): Promise<ProbeResult> =>
  prober.probe(resolvedService(url, overrides), { scheduledAt: Date.now(), agent: 'checks' });

const tlsOptions = (): https.ServerOptions => ({
  key: pki.read(pki.serverKey),
  cert: pki.read(pki.serverCert),
});

test('headers, body and bearer auth arrive as configured, secrets expanded from the environment and written nowhere', async (t) => {
  const server = await startEcho(t, json({ status: 'UP' }));
  const r = await probe(server.url, {
    method: 'POST',
    headers: { 'X-Api-Key': '${TEST_API_KEY}', 'X-Plain': 'plain value' },
    body: '{"token":"${TEST_TOKEN}"}',
    content_type: 'application/json',
    bearer: '${TEST_TOKEN}',
  });
  assert.equal(r.state, 'up', r.errorMessage ?? '');
  const got = server.seen[0]!;
  assert.equal(got.method, 'POST');
  assert.equal(got.headers['x-api-key'], SECRETS.TEST_API_KEY);
  assert.equal(got.headers['x-plain'], 'plain value');
  assert.equal(got.headers['authorization'], `Bearer ${SECRETS.TEST_TOKEN}`);
  assert.equal(got.headers['content-type'], 'application/json');
  assert.equal(got.body, `{"token":"${SECRETS.TEST_TOKEN}"}`);
  const written = JSON.stringify(r);
  for (const secret of Object.values(SECRETS))
    assert.ok(!written.includes(secret), `${secret} in the result`);
});

test('basic auth is sent as an Authorization header; the password stays out of the result', async (t) => {
  const server = await startEcho(t, json({}));
  const r = await probe(server.url, { basic_auth: 'monitor:${TEST_PASSWORD}' });
  assert.equal(r.ok, true, r.errorMessage ?? '');
  const expected = `Basic ${Buffer.from(`monitor:${SECRETS.TEST_PASSWORD}`).toString('base64')}`;
  assert.equal(server.seen[0]!.headers['authorization'], expected);
  assert.ok(!JSON.stringify(r).includes(SECRETS.TEST_PASSWORD));
});

test('a reference to a variable that is not set makes the service unprobeable, naming the variable', async (t) => {
  const server = await startEcho(t, json({}));
  const r = await probe(server.url, { headers: { 'X-Key': '${NOT_SET_ANYWHERE}' } });
  assert.equal(r.ok, false);
  assert.equal(r.errorClass, 'other');
  assert.match(r.errorMessage ?? '', /NOT_SET_ANYWHERE/);
  assert.equal(server.seen.length, 0, 'no request is sent without its header');
});

test('JSON path and header conditions: true, false and missing, each with its observed value', async (t) => {
  const server = await startEcho(t, json({ status: 'UP', checks: [{ name: 'db', ok: true }] }));
  const up = await probe(server.url, {
    conditions: ['[BODY].status == UP', '[BODY].checks[0].ok == true', '[HEADER].x-version == v2'],
  });
  assert.equal(up.state, 'up', up.errorMessage ?? '');
  assert.deepEqual(
    up.conditions?.map((c) => [c.condition, c.held]),
    [
      ['[STATUS] == any(200-399)', true],
      // Sources are normalised: a bare word is a quoted string.
      ['[BODY].status == "UP"', true],
      ['[BODY].checks[0].ok == true', true],
      ['[HEADER].x-version == "v2"', true],
    ],
  );
  const down = await probe(server.url, { conditions: ['[BODY].status == DOWN'] });
  assert.equal(down.state, 'down');
  assert.equal(down.ok, false);
  assert.equal(down.errorClass, 'condition');
  assert.equal(down.conditions?.[1]?.observed, '"UP"');
  assert.match(down.errorMessage ?? '', /\[BODY\]\.status == "DOWN"/);
  const missing = await probe(server.url, { conditions: ['[BODY].nothing.here == 1'] });
  assert.equal(missing.errorClass, 'condition');
  assert.match(missing.conditions?.[1]?.observed ?? '', /not found/);
});

test('a slow answer is degraded by a degraded_when condition, and down by a condition', async (t) => {
  const server = await startEcho(t, (_req, res) => setTimeout(() => res.end('slow'), 120));
  const degraded = await probe(server.url, { degraded_when: ['[RESPONSE_TIME] > 50'] });
  assert.equal(degraded.state, 'degraded');
  assert.equal(degraded.ok, true, 'ok stays true for degraded');
  assert.equal(degraded.errorClass, 'condition');
  assert.match(degraded.errorMessage ?? '', /^degraded: \[RESPONSE_TIME\] > 50/);
  assert.deepEqual(
    degraded.conditions?.map((c) => [c.condition, c.degrades, c.held]),
    [
      ['[STATUS] == any(200-399)', false, true],
      ['[RESPONSE_TIME] > 50', true, true],
    ],
  );
  const down = await probe(server.url, { conditions: ['[RESPONSE_TIME] < 50'] });
  assert.equal(down.state, 'down');
  assert.equal(down.ok, false);
  assert.equal(down.errorClass, 'condition');
  const fine = await probe(server.url, {
    conditions: ['[RESPONSE_TIME] < 5000'],
    degraded_when: ['[RESPONSE_TIME] > 4000'],
  });
  assert.equal(fine.state, 'up');
});

test('a certificate expiring in 3 days fails [CERT_EXPIRY] > 7d as cert_expiring, with its expiry, issuer and version stored', async (t) => {
  const server = await startEcho(t, json({}), tlsOptions());
  const r = await probe(server.url, { ca_file: pki.caFile, conditions: ['[CERT_EXPIRY] > 7d'] });
  assert.equal(r.errorClass, 'cert_expiring', r.errorMessage ?? '');
  assert.equal(r.state, 'down');
  assert.equal(r.certExpiresAt, pki.serverExpiresAt);
  assert.equal(r.certChainExpiresAt, pki.serverExpiresAt, 'the leaf expires before its CA');
  assert.equal(r.certIssuer, 'Monitor Test CA');
  assert.match(r.tlsVersion ?? '', /^TLSv1\.[23]$/);
  // Probed at once, so on a new connection whose TLS session is resumed: the certificate is
  // not sent again, and its facts come from the handshake the session came from.
  const ok = await probe(server.url, { ca_file: pki.caFile, conditions: ['[CERT_EXPIRY] > 48h'] });
  assert.equal(ok.state, 'up', ok.errorMessage ?? '');
  assert.equal(ok.certExpiresAt, pki.serverExpiresAt);
  // A warning before the failure: degraded (still ok) while it expires within 7 days.
  const warned = await probe(server.url, {
    ca_file: pki.caFile,
    conditions: ['[CERT_EXPIRY] > 48h'],
    degraded_when: ['[CERT_EXPIRY] < 7d'],
  });
  assert.equal(warned.state, 'degraded');
  assert.equal(warned.ok, true);
  assert.equal(warned.errorClass, 'cert_expiring');
});

test('a custom CA bundle makes a certificate it signed valid; without it the probe fails as tls', async (t) => {
  const server = await startEcho(t, json({}), tlsOptions());
  const without = await probe(server.url, {});
  assert.equal(without.errorClass, 'tls');
  const withCa = await probe(server.url, { ca_file: pki.caFile });
  assert.equal(withCa.ok, true, withCa.errorMessage ?? '');
});

test('mTLS: a server that requires a client certificate accepts ours and refuses a probe without one', async (t) => {
  const server = await startEcho(t, json({}), {
    ...tlsOptions(),
    ca: pki.read(pki.caFile),
    requestCert: true,
    rejectUnauthorized: true,
  });
  const accepted = await probe(server.url, {
    ca_file: pki.caFile,
    client_cert: pki.clientCert,
    client_key: pki.clientKey,
  });
  assert.equal(accepted.ok, true, accepted.errorMessage ?? '');
  assert.equal(server.seen[0]?.clientCn, 'client');
  const refused = await probe(`${server.url}?no-cert`, { ca_file: pki.caFile });
  assert.equal(refused.ok, false);
  assert.ok(
    ['tls', 'reset'].includes(refused.errorClass ?? ''),
    `${refused.errorClass}: ${refused.errorMessage}`,
  );
  assert.equal(server.seen.length, 1, 'the refused probe never reached the handler');
});

test('server_name sets the Host header and the TLS server name for a URL that is an address', async (t) => {
  const server = await startEcho(t, json({}), tlsOptions());
  const r = await probe(server.url, { ca_file: pki.caFile, server_name: 'named.monitor.test' });
  assert.equal(r.ok, true, r.errorMessage ?? '');
  assert.equal(server.seen[0]?.servername, 'named.monitor.test');
  assert.equal(server.seen[0]?.headers.host, 'named.monitor.test');
});

test('every phase is timed on a new connection and they add up to at most the total; a reused connection has no connect or TLS phase', async (t) => {
  const server = await startEcho(
    t,
    (_req, res) => {
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('first ');
        setTimeout(() => res.end('second'), 40);
      }, 40);
    },
    tlsOptions(),
  );
  const url = `https://timing.monitor.test:${server.port}/`;
  const r = await probe(url, { ca_file: pki.caFile });
  assert.equal(r.ok, true, r.errorMessage ?? '');
  const phases = [r.dnsMs, r.connectMs, r.tlsMs, r.ttfbMs, r.transferMs];
  for (const p of phases) assert.equal(typeof p, 'number', JSON.stringify(phases));
  // The server answers 40 ms after the request and ends 40 ms later; a busy client may see the
  // two chunks at once, so only their sum is bounded.
  assert.ok(r.ttfbMs! + r.transferMs! >= 75, `ttfb ${r.ttfbMs} + transfer ${r.transferMs}`);
  const sum = phases.reduce((a, b) => a! + b!, 0)!;
  assert.ok(sum <= r.durationMs!, `phases ${sum} ms > total ${r.durationMs} ms`);
  assert.equal(r.resolvedIp, '127.0.0.1');
  // undici frees the connection once the response is done, a tick after its body ends.
  await new Promise((resolve) => setImmediate(resolve));
  const again = await probe(url, { ca_file: pki.caFile });
  assert.equal(again.ok, true);
  assert.equal(again.connectMs, null, 'keep-alive: no new connection');
  assert.equal(again.tlsMs, null);
  assert.equal(again.dnsMs, null, 'the name came from the cache');
  assert.equal(typeof again.ttfbMs, 'number');
  assert.equal(again.certExpiresAt, pki.serverExpiresAt, 'the certificate is known on a reused connection');
});

test('a regex condition honours its flags, in line and in the isolated matcher (a backreference)', async (t) => {
  const server = await startEcho(t, (_req, res) => res.end('HELLO WORLD'));
  const r = await probe(server.url, {
    conditions: ['[BODY] ~= /world/i', '[BODY] ~= /(l)\\1/i'],
    degraded_when: ['[BODY] ~= /(l)\\1/'],
  });
  assert.equal(r.state, 'up', r.errorMessage ?? '');
  assert.deepEqual(
    r.conditions?.slice(1).map((c) => c.held),
    [true, true, false],
  );
});

test('a service whose conditions test [STATUS] is judged by them alone: a 404 can be up', async (t) => {
  const server = await startEcho(t, json({ gone: true }, 404));
  const r = await probe(server.url, { conditions: ['[STATUS] == 404'] });
  assert.equal(r.state, 'up', r.errorMessage ?? '');
  assert.deepEqual(
    r.conditions?.map((c) => c.condition),
    ['[STATUS] == 404'],
  );
  const plain = await probe(server.url, {});
  assert.equal(plain.errorClass, 'http_status', 'without conditions, expect_status 200-399 applies');
});
