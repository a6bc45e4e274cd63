import assert from 'node:assert/strict';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import type { ServiceConfig } from '../../src/config/types.js';
import { startCountingServer, startDaemon, tempConfig } from '../helpers/daemon.js';
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
import { serviceConfig } from '../helpers/services.js';

const TIMEOUT_S = 3;
/** How long the daemon runs against them: long enough for a leak to show as growth. */
const SOAK_MS = 60_000;

/** Open file descriptors of `pid`, and how many of them are sockets. */
function fdCounts(pid: number): { fds: number; sockets: number } {
  let fds = 0;
  let sockets = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    fds++;
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')) sockets++;
    } catch {
      // Closed between the listing and the readlink.
    }
  }
  return { fds, sockets };
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

test('hostile endpoints under monitor start for a minute: each classified within timeout + 1 s, file descriptors and sockets flat, RSS bounded, healthy services on time', async () => {
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
  // More probes of the two kinds whose connections undici kept (three services on one host:port
  // each, so one probe giving up must not end a sibling's attempt too early either).
  const hanging = cases
    .filter((c) => c.name === 'never accepts' || c.name === 'TLS never completes')
    .flatMap((c) => ['a', 'b', 'c'].map((p) => ({ ...c, name: `${c.name} /${p}`, url: `${c.url}${p}` })));
  cases.push(...hanging);
  const services = [
    ...cases.map((c) => serviceConfig(c.url, { timeout: TIMEOUT_S, ...c.extra })),
    ...Array.from({ length: 30 }, (_, i) => serviceConfig(`${healthy.url}/ok/${i}`, { timeout: TIMEOUT_S })),
  ];
  const cfg = tempConfig({ external_database_uri: null, services });
  try {
    const d = startDaemon(cfg.configPath);
    await d.waitFor(/Starting Agent worker/, 20_000);
    let maxRss = 0;
    const samples: Array<{ at: number; fds: number; sockets: number }> = [];
    const t0 = Date.now();
    while (Date.now() < t0 + SOAK_MS) {
      maxRss = Math.max(maxRss, rssMb(d.pid));
      samples.push({ at: Date.now() - t0, ...fdCounts(d.pid) });
      await new Promise((r) => setTimeout(r, 500));
    }
    console.log(
      `# sockets/fds every 5 s: ${samples
        .filter((_, i) => i % 10 === 0)
        .map((x) => `${x.sockets}/${x.fds}`)
        .join(' ')}`,
    );
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

    // Flat: a socket per probe in flight (each hostile service has at most one, its timeout is
    // below its interval), the healthy origin's keep-alive pool (16 at most), and a few of the
    // process's own. A probe's connection that outlived it by tens of seconds grew this by one
    // per hostile probe (12 → 38 sockets in 40 s before the fix).
    const bound = cases.length + 16 + 8;
    const worst = samples.reduce((m, s) => (s.sockets > m.sockets ? s : m));
    assert.ok(
      worst.sockets <= bound,
      `sockets peaked at ${worst.sockets} at ${worst.at} ms (bound ${bound})`,
    );
    const firstHalf = samples.filter((s) => s.at >= 10_000 && s.at < SOAK_MS / 2);
    const secondHalf = samples.filter((s) => s.at >= SOAK_MS / 2);
    const maxOf = (xs: typeof samples, k: 'fds' | 'sockets') => Math.max(...xs.map((x) => x[k]));
    for (const k of ['fds', 'sockets'] as const) {
      assert.ok(
        maxOf(secondHalf, k) <= maxOf(firstHalf, k) + 4,
        `${k} grew: ${maxOf(firstHalf, k)} in 10–30 s, ${maxOf(secondHalf, k)} in 30–60 s`,
      );
    }
  } finally {
    for (const s of servers) await s.close();
    await healthy.close();
    cfg.remove();
  }
});
