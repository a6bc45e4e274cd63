import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { createBoundedResolver, DnsError, parseHosts } from '../../src/probe/dns.js';
import { createProber } from '../../src/probe/prober.js';
import type { Prober } from '../../src/probe/types.js';
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server.js';
import { startOkServer, type TestServer } from '../helpers/http-servers.js';
import { resolvedService } from '../helpers/services.js';
import { timedProbe } from './fixtures.js';

// Names under .test (RFC 2606) answered only by our server on 127.0.0.1: no public lookups.
let dns: TestDnsServer;
let web: TestServer & { requests(): number };
let prober: Prober;
let port: string;

before(async () => {
  dns = await startDnsServer({
    'ok.monitor.test': { kind: 'a', addresses: ['127.0.0.1'], ttl: 300 },
    'nx.monitor.test': { kind: 'nxdomain' },
    'fail.monitor.test': { kind: 'servfail' },
    'empty.monitor.test': { kind: 'nodata' },
    'hang.monitor.test': { kind: 'hang' },
    'hang2.monitor.test': { kind: 'hang' },
    'redir.monitor.test': { kind: 'a', addresses: ['127.0.0.1'] },
  });
  web = await startOkServer({ body: 'resolved' });
  port = new URL(web.url).port;
  prober = createProber({ dnsServers: [dns.server], dns: { tryTimeoutMs: 500, tries: 2 } });
});
after(async () => {
  await prober.close();
  await web.close();
  await dns.close();
});

const TIMEOUT_S = 2;
const BOUND_MS = TIMEOUT_S * 1000 + 1000;

test('a name from the local DNS server is resolved once and cached', async () => {
  for (let i = 0; i < 3; i++) {
    const { result } = await timedProbe(
      prober,
      resolvedService(`http://ok.monitor.test:${port}/`, { timeout: TIMEOUT_S }),
    );
    assert.equal(result.ok, true, result.errorMessage ?? '');
  }
  assert.equal(web.requests(), 3);
  assert.equal(dns.queries('ok.monitor.test'), 1);
});

for (const [name, code] of [
  ['nx', /ENOTFOUND/],
  ['fail', /ESERVFAIL/],
  ['empty', /ENODATA/],
  ['hang', /ETIMEOUT/],
] as const) {
  test(`${name}: DNS failure → dns within the deadline`, async () => {
    const { result, elapsedMs } = await timedProbe(
      prober,
      resolvedService(`http://${name}.monitor.test:${port}/`, { timeout: TIMEOUT_S }),
    );
    assert.equal(result.errorClass, 'dns', result.errorMessage ?? '');
    assert.match(result.errorMessage ?? '', code);
    assert.equal(result.statusCode, null);
    assert.ok(elapsedMs <= BOUND_MS, `took ${elapsedMs} ms`);
  });
}

test('a resolver that never answers does not hold up other names', async () => {
  const finished: string[] = [];
  const hanging = Array.from({ length: 8 }, () =>
    prober
      .probe(resolvedService(`http://hang2.monitor.test:${port}/`, { timeout: TIMEOUT_S }), {
        scheduledAt: 0,
        agent: 'a',
      })
      .then((r) => {
        finished.push('hang');
        return r;
      }),
  );
  const ok = await prober.probe(resolvedService(`http://127.0.0.1:${port}/`, { timeout: TIMEOUT_S }), {
    scheduledAt: 0,
    agent: 'a',
  });
  finished.push('ok');
  assert.equal(ok.ok, true);
  const hung = await Promise.all(hanging);
  assert.equal(finished[0], 'ok');
  assert.ok(hung.every((r) => r.errorClass === 'dns'));
  // One outstanding query per name, however many probes wait on it (plus c-ares' retries).
  assert.ok(dns.queries('hang2.monitor.test') <= 4, `queries ${dns.queries('hang2.monitor.test')}`);
});

test('IP literals and localhost never reach the resolver', async () => {
  const { result } = await timedProbe(
    prober,
    resolvedService(`http://localhost:${port}/`, { timeout: TIMEOUT_S }),
  );
  assert.equal(result.ok, true, result.errorMessage ?? '');
  assert.equal(dns.queries('localhost'), 0);
});

test('lookup() answers the net.connect shapes (single and all) from the same cache', async () => {
  const r = createBoundedResolver({ servers: [dns.server], hostsFile: null });
  try {
    const single = await new Promise<[string, number]>((resolve, reject) =>
      r.lookup('ok.monitor.test', {}, (err, address, family) =>
        err ? reject(err) : resolve([address as string, family as number]),
      ),
    );
    assert.deepEqual(single, ['127.0.0.1', 4]);
    const all = await new Promise<unknown>((resolve, reject) =>
      r.lookup('ok.monitor.test', { all: true }, (err, addresses) =>
        err ? reject(err) : resolve(addresses),
      ),
    );
    assert.deepEqual(all, [{ address: '127.0.0.1', family: 4 }]);
    const err = await new Promise<unknown>((resolve) => r.lookup('nx.monitor.test', {}, (e) => resolve(e)));
    assert.ok(err instanceof DnsError);
    assert.equal(err.code, 'ENOTFOUND');
    // The failure is remembered briefly: no second query.
    const before = dns.queries('nx.monitor.test');
    await assert.rejects(r.resolve('nx.monitor.test'), DnsError);
    assert.equal(dns.queries('nx.monitor.test'), before);
  } finally {
    r.close();
  }
});

test('hosts file entries are honoured, comments ignored', () => {
  const hosts = parseHosts(
    '# comment\n127.0.0.1 localhost db.internal  # trailing\n::1 v6.internal\nbogus line\n',
  );
  assert.deepEqual(hosts.get('db.internal'), [{ address: '127.0.0.1', family: 4 }]);
  assert.deepEqual(hosts.get('v6.internal'), [{ address: '::1', family: 6 }]);
  assert.equal(hosts.has('bogus'), false);
  assert.equal(hosts.has('line'), false);
});

test('a lookup still pending at the probe deadline is reported as dns, not as a bare timeout', async () => {
  const patient = createProber({ dnsServers: [dns.server], dns: { tryTimeoutMs: 5000, tries: 1 } });
  try {
    const { result, elapsedMs } = await timedProbe(
      patient,
      resolvedService(`http://hang.monitor.test:${port}/`, { timeout: 1 }),
    );
    assert.equal(result.errorClass, 'dns', result.errorMessage ?? '');
    assert.match(result.errorMessage ?? '', /ETIMEOUT, deadline/);
    assert.ok(elapsedMs <= 2000, `took ${elapsedMs} ms`);
  } finally {
    await patient.close();
  }
});

test('a redirect to another name is resolved by the connection lookup, through the same resolver', async () => {
  const redirector = http.createServer((req, res) => {
    req.resume();
    res.writeHead(301, { location: `http://redir.monitor.test:${port}/` }).end();
  });
  redirector.listen(0, '127.0.0.1');
  await once(redirector, 'listening');
  try {
    const url = `http://127.0.0.1:${(redirector.address() as AddressInfo).port}/`;
    const { result } = await timedProbe(
      prober,
      resolvedService(url, { follow_redirects: true, timeout: TIMEOUT_S }),
    );
    assert.equal(result.ok, true, result.errorMessage ?? '');
    assert.equal(result.statusCode, 200);
    assert.equal(dns.queries('redir.monitor.test'), 1);
  } finally {
    redirector.closeAllConnections();
    redirector.close();
  }
});

test('shutdown while a lookup hangs is `other` (E_ABORTED), not a DNS failure', async () => {
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 100);
  const { result } = await timedProbe(
    prober,
    resolvedService(`http://hang.monitor.test:${port}/`, { timeout: TIMEOUT_S }),
    controller.signal,
  );
  assert.equal(result.errorClass, 'other', result.errorMessage ?? '');
  assert.match(result.errorMessage ?? '', /E_ABORTED/);
});
