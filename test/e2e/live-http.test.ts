import assert from 'node:assert/strict';
import { request } from 'node:http';
import { type AddressInfo, createServer } from 'node:net';
import { test } from 'node:test';
import parsePrometheusTextFormat, { type PromFamily } from 'parse-prometheus-text-format';
import { runMonitor } from '../helpers/cli.js';
import { startDaemon, tempConfig } from '../helpers/daemon.js';
import { refusedUrl, startOkServer, startTlsServer } from '../helpers/http-servers.js';
import { serviceConfig } from '../helpers/services.js';

const TOKEN = 'live-token-0123456789abcdef';
const PG_PASSWORD = 'Pg-Secret-Pass-98765';

/** A port nobody listens on right now (the daemon is a child process: it cannot take 0). */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw request: the path is sent exactly as given (no dot-segment removal, no encoding). */
function get(port: number, path: string, token?: string, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method, headers: token ? { authorization: `Bearer ${token}` } : {} },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

async function until<T>(what: string, f: () => Promise<T | null>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== null) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function sample(
  f: PromFamily | undefined,
  service: string,
  extra: Record<string, string> = {},
): string | undefined {
  return f?.metrics.find(
    (m) => m.labels?.['service'] === service && Object.entries(extra).every(([k, v]) => m.labels?.[k] === v),
  )?.value;
}

test('a real daemon serves /metrics, the API and health; the token guards it and leaks nowhere', async () => {
  const up = await startOkServer();
  const down = await startOkServer({ status: 500, body: 'broken' });
  const tls = await startTlsServer('self-signed');
  const pg = new URL(await refusedUrl());
  const port = await freePort();
  const cfg = tempConfig({
    external_database_uri: `postgresql://mon:${PG_PASSWORD}@127.0.0.1:${pg.port}/db`,
    services: [serviceConfig(up.url), serviceConfig(down.url), serviceConfig(tls.url, { tls_verify: false })],
    http: { listen: `127.0.0.1:${port}`, token: '${LIVE_TOKEN}' },
  });
  // --http as well as http.listen: the helper adds --no-http to daemons that name neither.
  const daemon = startDaemon(cfg.configPath, ['--http', `127.0.0.1:${port}`], { LIVE_TOKEN: TOKEN });
  const answers: Answer[] = [];
  const seen = async (a: Promise<Answer>) => {
    const r = await a;
    answers.push(r);
    return r;
  };
  try {
    await daemon.waitFor(/Live view on http:\/\/127\.0\.0\.1:\d+\/ \(bearer token required\)/);
    // /api/status until every service has a result.
    const status = await until('three results', async () => {
      const r = await seen(get(port, '/api/status', TOKEN));
      const list = JSON.parse(r.body) as {
        key: string;
        url: string;
        state: string | null;
        lastStatusCode: number | null;
      }[];
      return list.every((s) => s.state !== null) ? list : null;
    });
    const byUrl = new Map(status.map((s) => [s.url, s]));
    assert.equal(byUrl.get(up.url)?.state, 'up');
    assert.equal(byUrl.get(down.url)?.state, 'down');
    assert.equal(byUrl.get(down.url)?.lastStatusCode, 500);
    assert.equal(byUrl.get(tls.url)?.state, 'up');
    const upKey = byUrl.get(up.url)?.key as string;
    const downKey = byUrl.get(down.url)?.key as string;
    const tlsKey = byUrl.get(tls.url)?.key as string;

    // /metrics, parsed by a Prometheus text parser.
    const m = await seen(get(port, '/metrics', TOKEN));
    assert.equal(m.status, 200);
    assert.match(String(m.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    const families = parsePrometheusTextFormat(m.body);
    const by = new Map(families.map((f) => [f.name, f]));
    assert.equal(by.size, families.length, 'each family once');
    for (const name of [
      'monitor_probe_success',
      'monitor_probe_state',
      'monitor_probe_duration_seconds',
      'monitor_probe_http_status_code',
      'monitor_cert_expiry_timestamp_seconds',
      'monitor_probes_executed_total',
      'monitor_probes_missed_total',
      'monitor_probes_stale_total',
      'monitor_probe_start_lag_seconds',
      'monitor_queue_depth',
      'monitor_unexported_results',
      'monitor_export_lag_seconds',
      'monitor_export_failures_total',
      'monitor_postgres_up',
      'monitor_buffer_dropped_results_total',
      'monitor_notifications_accepted_total',
      'monitor_notifications_failed_total',
    ]) {
      assert.ok(by.has(name), `family ${name} missing`);
    }
    const success = by.get('monitor_probe_success');
    const state = by.get('monitor_probe_state');
    const code = by.get('monitor_probe_http_status_code');
    assert.equal(sample(success, upKey), '1');
    assert.equal(sample(state, upKey), '0');
    assert.equal(sample(code, upKey), '200');
    assert.equal(sample(success, downKey), '0');
    assert.equal(sample(state, downKey), '2');
    assert.equal(sample(code, downKey), '500');
    assert.deepEqual(success?.metrics.find((x) => x.labels?.['service'] === upKey)?.labels, {
      service: upKey,
      url: up.url,
      method: 'GET',
      agent: success?.metrics[0]?.labels?.['agent'],
    });
    assert.ok(Number(sample(by.get('monitor_probe_duration_seconds'), upKey, { phase: 'total' })) >= 0);
    const certAt = Number(sample(by.get('monitor_cert_expiry_timestamp_seconds'), tlsKey));
    assert.ok(certAt > Date.now() / 1000, `cert expiry ${certAt} is in the future`);
    assert.equal(
      sample(by.get('monitor_cert_expiry_timestamp_seconds'), upKey),
      undefined,
      'plain HTTP: no cert',
    );
    assert.equal(by.get('monitor_postgres_up')?.metrics[0]?.value, '0');
    assert.ok(Number(by.get('monitor_probes_executed_total')?.metrics[0]?.value) >= 3);
    assert.equal(by.get('monitor_probe_start_lag_seconds')?.type, 'HISTOGRAM');

    // The token: every route but /healthz.
    for (const path of ['/metrics', '/api/status', '/readyz', '/nope', '/../../etc/passwd']) {
      const none = await seen(get(port, path));
      assert.equal(none.status, 401, path);
      assert.match(String(none.headers['www-authenticate']), /^Bearer/);
      assert.equal((await seen(get(port, path, `${TOKEN}x`))).status, 401, `${path}, wrong token`);
    }
    const healthz = await seen(get(port, '/healthz'));
    assert.deepEqual([healthz.status, healthz.body], [200, 'ok\n']);

    // No file serving, no traversal, GET only.
    for (const path of [
      '/../../etc/passwd',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/%2e%2e/',
      '/metrics/../metrics',
      '//etc/passwd',
    ]) {
      const r = await seen(get(port, path, TOKEN));
      assert.equal(r.status, 404, path);
      assert.ok(!r.body.includes('root:'), path);
    }
    const post = await seen(get(port, '/metrics', TOKEN, 'POST'));
    assert.equal(post.status, 405);
    assert.equal(post.headers['allow'], 'GET, HEAD');

    // History: bad parameters 400, an unknown service 404, a known one 200.
    assert.equal((await seen(get(port, `/api/services/${upKey}/history?step=abc`, TOKEN))).status, 400);
    assert.equal((await seen(get(port, `/api/services/${upKey}/history?from=2&to=1`, TOKEN))).status, 400);
    assert.equal(
      (await seen(get(port, `/api/services/${upKey}/history?step=1000&from=0&to=99999999999`, TOKEN))).status,
      400,
    );
    assert.equal((await seen(get(port, '/api/services/0000000000000000/history', TOKEN))).status, 404);
    const hist = await seen(get(port, `/api/services/${upKey}/history?step=5m`, TOKEN));
    assert.equal(hist.status, 200);
    assert.equal((JSON.parse(hist.body) as { step: number }).step, 300_000);

    // Ready: the scheduler ticks, the local database takes writes; export lag reported.
    const ready = await seen(get(port, '/readyz', TOKEN));
    assert.equal(ready.status, 200, ready.body);
    const readyBody = JSON.parse(ready.body) as {
      ready: boolean;
      localDbWritable: boolean;
      exportState: string;
    };
    assert.equal(readyBody.ready, true);
    assert.equal(readyBody.localDbWritable, true);
    assert.notEqual(readyBody.exportState, 'connected');
  } finally {
    const stopped = await daemon.stop();
    await Promise.all([up.close(), down.close(), tls.close()]);
    cfg.remove();
    assert.equal(stopped.code, 0);
  }
  // Secrets: in no response (body or header) and not in the log.
  for (const a of answers) {
    const text = a.body + JSON.stringify(a.headers);
    assert.ok(!text.includes(TOKEN), 'token in a response');
    assert.ok(!text.includes(PG_PASSWORD), 'password in a response');
  }
  assert.ok(answers.length > 10);
  assert.ok(!daemon.output().includes(TOKEN), 'token in the log');
  assert.ok(!daemon.output().includes(PG_PASSWORD), 'password in the log');
});

test('beyond loopback without a token: refused at start, one line, exit 2; a port in use: exit 1, one line', async () => {
  const target = await startOkServer();
  const cfg = tempConfig({ external_database_uri: null, services: [serviceConfig(target.url)] });
  const busy = createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
  const busyPort = (busy.address() as AddressInfo).port;
  try {
    const open = await runMonitor([
      'start',
      '--yes',
      '--config-path',
      cfg.configPath,
      '--http',
      '0.0.0.0:9464',
    ]);
    assert.equal(open.code, 2, open.stderr);
    assert.equal(open.stderr.trim().split('\n').length, 1, open.stderr);
    assert.match(open.stderr, /refusing to serve HTTP on 0\.0\.0\.0:9464 without a token/);
    const inUse = await runMonitor([
      'start',
      '--yes',
      '--config-path',
      cfg.configPath,
      '--http',
      `127.0.0.1:${busyPort}`,
    ]);
    assert.equal(inUse.code, 1, inUse.stderr);
    const lines = inUse.stderr.trim().split('\n');
    assert.equal(lines.length, 1, inUse.stderr);
    assert.match(
      lines[0] as string,
      new RegExp(`cannot serve HTTP on 127\\.0\\.0\\.1:${busyPort}: the address is in use`),
    );
  } finally {
    await new Promise<void>((r) => busy.close(() => r()));
    await target.close();
    cfg.remove();
  }
});
