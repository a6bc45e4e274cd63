import assert from 'node:assert/strict';
import { test } from 'node:test';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import type { MonitorHealth } from '../../src/live/health.js';
import { MetricsText } from '../../src/live/metrics.js';
import { LastResults } from '../../src/live/metrics-hook.js';
import { SERVICE_FAMILIES } from '../../src/live/service-metrics.js';
import type { ProbeResult } from '../../src/results/types.js';

const health: MonitorHealth = {
  services: 0,
  executed: 7,
  missed: 1,
  stale: 0,
  startLagP50Ms: 1,
  startLagP99Ms: 3,
  startLagMaxMs: 9,
  startLag: { boundsMs: [5, 10], cumulative: [4, 5], count: 5, sumMs: 12 },
  inFlight: 0,
  waiting: 0,
  bufferedResults: 0,
  schedulerTicks: 3,
  notifyAccepted: 0,
  notifyFailed: 0,
  notifyRetries: 0,
  unexportedRows: 0,
  exportLagMs: 0,
  exportState: 'off',
  exportFailures: 0,
  droppedResults: 0,
  diskFullDropped: 0,
  setAside: 0,
  localDbWritable: true,
};

function result(i: number, over: Partial<ProbeResult> = {}): ProbeResult {
  const t = 1_800_000_000_000 + i;
  return {
    id: `id-${i}`,
    agent: 'agent-1',
    serviceKey: `k${String(i).padStart(15, '0')}`,
    url: `https://host${i % 300}.example.com/path/${i}`,
    method: 'GET',
    scheduledAt: t,
    startedAt: t,
    finishedAt: t + 20,
    durationMs: 20,
    statusCode: i % 10 === 0 ? 503 : 200,
    ok: i % 10 !== 0,
    regexRequired: false,
    regex: null,
    regexMatched: null,
    errorClass: i % 10 === 0 ? 'http_status' : null,
    errorMessage: null,
    bytesRead: 2,
    truncated: false,
    state: i % 10 === 0 ? 'down' : 'up',
    conditions: null,
    resolvedIp: '127.0.0.1',
    dnsMs: 1,
    connectMs: 2,
    tlsMs: 5,
    ttfbMs: 10,
    transferMs: 2,
    tlsVersion: 'TLSv1.3',
    certIssuer: 'x',
    certExpiresAt: 1_900_000_000_000,
    certChainExpiresAt: 1_890_000_000_000,
    ...over,
  };
}

function record(last: LastResults, results: ProbeResult[]): void {
  for (const r of results) last.recorded(r);
  last.committed();
}

test('10,000 services: one render, parsed by a Prometheus text parser, every series there', async (t) => {
  const last = new LastResults();
  record(
    last,
    Array.from({ length: 10_000 }, (_, i) => result(i)),
  );
  let now = 0;
  const metrics = new MetricsText(
    last,
    { health: () => ({ ...health, services: 10_000 }) },
    { now: () => now },
  );
  const t0 = performance.now();
  const body = await metrics.body();
  const firstMs = performance.now() - t0;
  const firstBusyMs = metrics.lastRenderMs;
  const firstLongestMs = metrics.lastLongestSliceMs;
  const t1 = performance.now();
  const again = await metrics.body();
  const cachedMs = performance.now() - t1;
  assert.equal(again, body, 'within the cache period the same rendered text is served');
  now = 1_001;
  const t2 = performance.now();
  const third = await metrics.body();
  const secondRenderMs = performance.now() - t2;
  const secondBusyMs = metrics.lastRenderMs;
  const secondLongestMs = metrics.lastLongestSliceMs;
  assert.notEqual(third, body, 'after the cache period the text is rendered again');
  // Printed, not asserted (no timed assertions): main-thread time summed over the slices, and
  // the wall time of the render with its turns of the event loop.
  t.diagnostic(
    `/metrics at 10,000 services (${(body.length / 1e6).toFixed(1)} MB): first render ${firstBusyMs.toFixed(1)} ms main thread in slices of at most ${firstLongestMs.toFixed(1)} ms (${firstMs.toFixed(1)} ms wall), cached ${cachedMs.toFixed(2)} ms, next render ${secondBusyMs.toFixed(1)} ms main thread, longest slice ${secondLongestMs.toFixed(1)} ms (${secondRenderMs.toFixed(1)} ms wall)`,
  );

  const families = parsePrometheusTextFormat(body.toString('utf8'));
  const byName = new Map(families.map((f) => [f.name, f]));
  assert.equal(byName.size, families.length, 'each family appears once (its lines are together)');
  for (const [name] of SERVICE_FAMILIES) assert.ok(byName.has(name), name);
  assert.equal(byName.get('monitor_probe_success')?.metrics.length, 10_000);
  assert.equal(byName.get('monitor_probe_duration_seconds')?.metrics.length, 60_000);
  const down = byName
    .get('monitor_probe_state')
    ?.metrics.find((m) => m.labels?.['service'] === result(30).serviceKey);
  assert.equal(down?.value, '2');
  const code = byName
    .get('monitor_probe_http_status_code')
    ?.metrics.find((m) => m.labels?.['service'] === result(31).serviceKey);
  assert.equal(code?.value, '200');
  assert.deepEqual(code?.labels, {
    service: result(31).serviceKey,
    url: result(31).url,
    method: 'GET',
    agent: 'agent-1',
  });
  const cert = byName.get('monitor_cert_expiry_timestamp_seconds')?.metrics[0];
  assert.equal(cert?.value, '1890000000', 'the earliest expiry of the chain');
  const lag = byName.get('monitor_probe_start_lag_seconds');
  assert.equal(lag?.type, 'HISTOGRAM');
  assert.deepEqual(lag?.metrics[0]?.buckets, { '0.005': '4', '0.01': '5', '+Inf': '5' });
  assert.equal(byName.get('monitor_probes_executed_total')?.type, 'COUNTER');
  assert.equal(byName.get('monitor_probes_executed_total')?.metrics[0]?.value, '7');
});

test('label values are escaped; a rolled-back batch and missed slots never show; public mode hides URLs', async () => {
  const last = new LastResults();
  const odd = result(1, { agent: 'a "quoted" \\ agent\nnext', url: 'http://h/x?q="1"' });
  record(last, [odd]);
  last.recorded(result(1, { state: 'down', ok: false, scheduledAt: odd.scheduledAt + 5000 }));
  last.rolledBack();
  last.committed();
  last.recorded(result(1, { state: 'unknown', ok: false, scheduledAt: odd.scheduledAt + 9000 }));
  last.committed();
  const text = (await new MetricsText(last, { health: () => health }).body()).toString();
  const fam = parsePrometheusTextFormat(text).find((f) => f.name === 'monitor_probe_state');
  assert.deepEqual(fam?.metrics, [
    { labels: { service: odd.serviceKey, url: odd.url, method: 'GET', agent: odd.agent }, value: '0' },
  ]);
  const hidden = (
    await new MetricsText(last, { health: () => health }, { hideUrls: true }).body()
  ).toString();
  assert.ok(!hidden.includes('http://h/x'));
  assert.match(hidden, /url=""/);
});
