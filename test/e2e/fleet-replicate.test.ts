import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { query } from '../export/fixtures.js';
import { runMonitor } from '../helpers/cli.js';
import { type DaemonProcess, startDaemon, tempConfig } from '../helpers/daemon.js';
import { getTestDatabaseUrl } from '../helpers/pg.js';
import { serviceConfig } from '../helpers/services.js';

/**
 * Replicate mode with three real agents (each its own SQLite and config, a different agent_name and
 * agent_location), one PostgreSQL, three services every 5 s. The services are the same keys for
 * every agent; each agent sends its name in a header (`${FLEET_AGENT}`, expanded at probe time, so
 * the key does not change), and the shared target resets the connections of the agents a test
 * "cuts off" from a path: the service is unreachable from that location only.
 *
 * The heartbeat runs every second here (MONITOR_TEST_HEARTBEAT_MS, test only): lost after 3 s.
 */

const cut = new Set<string>();
const target = createServer((req, res) => {
  const agent = String(req.headers['x-agent'] ?? '');
  if (cut.has(`${agent} ${req.url}`)) {
    req.socket.destroy();
    return;
  }
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end('ok');
});
await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
after(
  () =>
    new Promise<void>((r) => {
      target.closeAllConnections();
      target.close(() => r());
    }),
);

const AGENTS = ['agent-a', 'agent-b', 'agent-c'] as const;

/** Wait until `agent` has exported at least `n` rows of each of the 3 services. */
async function exportedAtLeast(uri: string, agent: string, n: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const rows = await query<{ c: string }>(
      uri,
      'SELECT count(*) AS c FROM monitoring WHERE agent = $1 GROUP BY service_key',
      [agent],
    );
    if (rows.length === 3 && rows.every((r) => Number(r.c) >= n)) return;
    if (Date.now() > deadline)
      throw new Error(`${agent} never exported ${n} rows per service: ${JSON.stringify(rows)}`);
    await new Promise((res) => setTimeout(res, 500));
  }
}

interface FleetJson {
  agents: Array<{ name: string; location: string; health: string; services: number; version: string }>;
}
interface GlobalJson {
  services: Array<{
    url: string;
    state: string;
    shown: string;
    down: number;
    reporting: number;
    locations: Array<{ location: string; state: string; lost: boolean }>;
  }>;
}

/** Run `monitor ARGS --json` until `done` holds for its output (or 30 s pass). */
async function until<T>(
  args: string[],
  done: (out: T, code: number | null) => boolean,
): Promise<{ out: T; code: number | null }> {
  const deadline = Date.now() + 30_000;
  let last = '';
  for (;;) {
    const r = await runMonitor([...args, '--json']);
    last = `exit ${r.code}\n${r.stdout}\n${r.stderr}`;
    if (r.code !== 5 && r.stdout.trim().startsWith('{')) {
      const out = JSON.parse(r.stdout) as T;
      if (done(out, r.code)) return { out, code: r.code };
    }
    if (Date.now() > deadline) throw new Error(`monitor ${args.join(' ')} never got there; last:\n${last}`);
    await new Promise((res) => setTimeout(res, 500));
  }
}

test('replicate: three agents, every slot once per agent, quorum partial then down, a killed agent lost', async () => {
  const uri = await getTestDatabaseUrl();
  const services = ['/a', '/b', '/c'].map((p) =>
    serviceConfig(`${base}${p}`, { headers: { 'x-agent': '${FLEET_AGENT}' }, timeout: 2 }),
  );
  const configs = AGENTS.map((name) =>
    tempConfig({
      external_database_uri: uri,
      agent_name: name,
      agent_location: `loc-${name.slice(-1)}`,
      fleet: { mode: 'replicate' },
      services,
    }),
  );
  const daemons: DaemonProcess[] = [];
  try {
    for (const [i, name] of AGENTS.entries()) {
      daemons.push(
        startDaemon(configs[i]!.configPath, [], { FLEET_AGENT: name, MONITOR_TEST_HEARTBEAT_MS: '1000' }),
      );
    }
    await Promise.all(daemons.map((d) => d.waitFor(/Starting Agent worker/)));
    const cfg = ['--config-path', configs[0]!.configPath];

    const fleet = await until<FleetJson>(['fleet', ...cfg], (o) => o.agents.length === 3);
    assert.equal(fleet.code, 0);
    assert.deepEqual(
      fleet.out.agents.map((a) => [a.name, a.location, a.health, a.services]),
      [
        ['agent-a', 'loc-a', 'ok', 3],
        ['agent-b', 'loc-b', 'ok', 3],
        ['agent-c', 'loc-c', 'ok', 3],
      ],
    );

    const allUp = await until<GlobalJson>(
      ['status', '--global', ...cfg],
      (o) => o.services.length === 3 && o.services.every((s) => s.state === 'up' && s.reporting === 3),
    );
    assert.equal(allUp.code, 0);

    // /a unreachable from one location of three: partial (down 1/3), not down.
    cut.add('agent-a /a');
    const partial = await until<GlobalJson>(['status', '--global', ...cfg], (o) =>
      o.services.some((s) => s.url.endsWith('/a') && s.state === 'partial'),
    );
    const a1 = partial.out.services.find((s) => s.url.endsWith('/a'))!;
    assert.deepEqual([a1.down, a1.reporting, a1.shown], [1, 3, 'partial: down 1/3']);
    assert.equal(a1.locations.find((l) => l.location === 'loc-a')?.state, 'down');
    assert.ok(partial.out.services.filter((s) => !s.url.endsWith('/a')).every((s) => s.state === 'up'));
    assert.equal(partial.code, 4);

    // From two of three: down.
    cut.add('agent-b /a');
    const down = await until<GlobalJson>(['status', '--global', ...cfg], (o) =>
      o.services.some((s) => s.url.endsWith('/a') && s.state === 'down'),
    );
    const a2 = down.out.services.find((s) => s.url.endsWith('/a'))!;
    assert.deepEqual([a2.down, a2.reporting, a2.shown], [2, 3, 'down 2/3']);
    assert.equal(down.code, 1);

    // SIGKILL agent-c (once it has a few slots in PostgreSQL): lost after 3 missed heartbeats; its
    // rows are shown, not counted.
    await exportedAtLeast(uri, 'agent-c', 2);
    daemons[2]!.child.kill('SIGKILL');
    await daemons[2]!.exited;
    const lost = await until<FleetJson>(['fleet', ...cfg], (o) =>
      o.agents.some((a) => a.name === 'agent-c' && a.health === 'lost'),
    );
    assert.equal(lost.code, 1);
    assert.deepEqual(
      lost.out.agents.map((a) => [a.name, a.health]),
      [
        ['agent-a', 'ok'],
        ['agent-b', 'ok'],
        ['agent-c', 'lost'],
      ],
    );
    const afterLoss = await until<GlobalJson>(['status', '--global', ...cfg], (o) =>
      o.services.every((s) => s.reporting === 2),
    );
    const a3 = afterLoss.out.services.find((s) => s.url.endsWith('/a'))!;
    assert.deepEqual([a3.state, a3.down, a3.reporting], ['down', 2, 2]);
    const b3 = afterLoss.out.services.find((s) => s.url.endsWith('/b'))!;
    assert.deepEqual(
      b3.locations.map((l) => [l.location, l.state, l.lost]),
      [
        ['loc-a', 'up', false],
        ['loc-b', 'up', false],
        ['loc-c', 'unknown', true],
      ],
    );

    for (const a of ['agent-a', 'agent-b']) await exportedAtLeast(uri, a, 3);
    for (const d of daemons.slice(0, 2)) assert.equal((await d.stop('SIGTERM')).code, 0);
    // A clean stop says so: stopped, not lost. The killed one is still lost (exit 1).
    const stopped = await runMonitor(['fleet', '--json', ...cfg]);
    assert.equal(stopped.code, 1, stopped.stderr);
    assert.deepEqual(
      (JSON.parse(stopped.stdout) as FleetJson).agents.map((a) => [a.name, a.health]),
      [
        ['agent-a', 'stopped'],
        ['agent-b', 'stopped'],
        ['agent-c', 'lost'],
      ],
    );

    // Every (agent, service, slot) once; every agent has every slot of its run, on the same grid.
    const dupes = await query(
      uri,
      `SELECT agent, service_key, scheduled_at FROM monitoring
        GROUP BY 1, 2, 3 HAVING count(*) > 1`,
    );
    assert.deepEqual(dupes, []);
    const runs = await query<{ agent: string; service_key: string; n: string; first: string; last: string }>(
      uri,
      `SELECT agent, service_key, count(*) AS n,
              (extract(epoch FROM min(scheduled_at)) * 1000)::bigint::text AS first,
              (extract(epoch FROM max(scheduled_at)) * 1000)::bigint::text AS last
         FROM monitoring GROUP BY 1, 2 ORDER BY 1, 2`,
    );
    assert.equal(runs.length, 9, JSON.stringify(runs));
    for (const r of runs) {
      const span = (Number(r.last) - Number(r.first)) / 5000 + 1;
      assert.equal(
        Number(r.n),
        span,
        `${r.agent} ${r.service_key}: a row for every slot from its first to its last`,
      );
      assert.ok(Number(r.n) >= (r.agent === 'agent-c' ? 2 : 3), `${r.agent} ${r.service_key}: ${r.n} slots`);
    }
    // The three agents' grids coincide (same key, same phase): the first slots differ by whole periods.
    for (const key of new Set(runs.map((r) => r.service_key))) {
      const firsts = runs.filter((r) => r.service_key === key).map((r) => Number(r.first));
      for (const f of firsts) assert.equal((f - firsts[0]!) % 5000, 0);
    }
    const states = await query<{ agent: string; n: string }>(
      uri,
      `SELECT agent, count(*) AS n FROM monitoring_service_state GROUP BY 1 ORDER BY 1`,
    );
    assert.deepEqual(
      states.map((s) => [s.agent, Number(s.n)]),
      AGENTS.map((a) => [a, 3]),
    );
  } finally {
    for (const d of daemons)
      if (d.child.exitCode === null && d.child.signalCode === null) d.child.kill('SIGKILL');
    for (const c of configs) c.remove();
  }
});
