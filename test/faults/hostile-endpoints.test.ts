import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import type { ServiceConfig } from '../../src/config/types.js';
import { service, startCountingServer, startDaemon, tempConfig } from '../helpers/daemon.js';
import {
  startBigBodyServer,
  startGzipBombServer,
  startHeadersThenSilenceServer,
  startInvalidHttpServer,
  startIpv6Server,
  startManyHeadersServer,
  startNeverAcceptServer,
  startRedirectServer,
  startResetServer,
  startTlsHangServer,
  startTlsServer,
  startTrickleServer,
  type TestServer,
} from '../helpers/http-servers.js';

const TIMEOUT_S = 3;

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

test('hostile endpoints under monitor start: each classified within timeout + 1 s, RSS bounded, healthy services on time', async () => {
  const healthy = await startCountingServer();
  const servers: TestServer[] = [];
  const keep = <T extends TestServer>(s: T): T => {
    servers.push(s);
    return s;
  };
  const redirect = keep(await startRedirectServer());
  const cases: Array<{ name: string; url: string; expect: string | null; extra?: Partial<ServiceConfig> }> = [
    { name: 'headers then silence', url: keep(await startHeadersThenSilenceServer()).url, expect: 'timeout' },
    { name: 'trickle', url: keep(await startTrickleServer()).url, expect: 'timeout' },
    { name: '1 GB body', url: keep(await startBigBodyServer(1024 ** 3)).url, expect: null },
    { name: 'gzip bomb', url: keep(await startGzipBombServer()).url, expect: null },
    { name: 'redirect loop', url: redirect.loopUrl, expect: 'redirect', extra: { follow_redirects: true } },
    { name: 'reset', url: keep(await startResetServer()).url, expect: 'reset' },
    { name: 'never accepts', url: keep(await startNeverAcceptServer()).url, expect: 'timeout' },
    { name: 'TLS never completes', url: keep(await startTlsHangServer()).url, expect: 'timeout' },
    { name: 'self-signed', url: keep(await startTlsServer('self-signed')).url, expect: 'tls' },
    { name: 'expired', url: keep(await startTlsServer('expired')).url, expect: 'tls' },
    { name: 'invalid HTTP', url: keep(await startInvalidHttpServer()).url, expect: 'protocol' },
    { name: '10,000 headers', url: keep(await startManyHeadersServer()).url, expect: 'protocol' },
    { name: 'IPv6 only on ::1', url: keep(await startIpv6Server()).url, expect: null },
  ];
  const services = [
    ...cases.map((c) => service(c.url, { timeout: TIMEOUT_S, ...c.extra })),
    ...Array.from({ length: 30 }, (_, i) => service(`${healthy.url}/ok/${i}`, { timeout: TIMEOUT_S })),
  ];
  const cfg = tempConfig({ external_database_uri: null, services });
  try {
    const d = startDaemon(cfg.configPath);
    await d.waitFor(/Starting Agent worker/, 20_000);
    let maxRss = 0;
    const end = Date.now() + 16_000;
    while (Date.now() < end) {
      maxRss = Math.max(maxRss, rssMb(d.pid));
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal((await d.stop('SIGTERM', 30_000)).code, 0);

    const db = new Database(cfg.dbPath, { readonly: true });
    type Row = {
      url: string;
      error_class: string | null;
      duration_ms: number | null;
      lag: number | null;
      ok: number;
      truncated: number;
    };
    const rows = db
      .prepare(
        'SELECT url, error_class, duration_ms, started_at - scheduled_at AS lag, ok, truncated FROM results',
      )
      .all() as Row[];
    db.close();

    for (const c of cases) {
      const mine = rows.filter((r) => r.url === c.url);
      assert.ok(mine.length >= 2, `${c.name}: probed (${mine.length})`);
      for (const r of mine) {
        assert.equal(r.error_class, c.expect, `${c.name}: ${JSON.stringify(r)}`);
        assert.ok((r.duration_ms ?? 0) <= TIMEOUT_S * 1000 + 1000, `${c.name}: ${r.duration_ms} ms`);
      }
      if (c.name === '1 GB body') assert.ok(mine.every((r) => r.truncated === 1));
    }
    const ok = rows
      .filter((r) => r.url.startsWith(healthy.url))
      .map((r) => r.lag ?? Number.POSITIVE_INFINITY);
    ok.sort((a, b) => a - b);
    assert.ok(ok.length >= 60, `healthy probes: ${ok.length}`);
    const p99 = ok[Math.floor(ok.length * 0.99)] ?? Number.POSITIVE_INFINITY;
    assert.ok(p99 <= 250, `healthy start lag p99 ${p99} ms`);
    assert.ok(rows.filter((r) => r.url.startsWith(healthy.url)).every((r) => r.ok === 1));
    assert.ok(maxRss < 300, `monitor RSS peaked at ${maxRss.toFixed(0)} MB`);
  } finally {
    for (const s of servers) await s.close();
    await healthy.close();
    cfg.remove();
  }
});
