import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import type { MonitorConfig } from '../../src/config/types.js';
import { type DaemonProcess, startCountingServer, startDaemon, tempConfig } from '../helpers/daemon.js';
import { until } from '../helpers/local-db.js';
import { getTestDatabaseUrl } from '../helpers/pg.js';
import { serviceConfig } from '../helpers/services.js';

/**
 * share mode with real agents: three `monitor start` processes (each its own SQLite) share 12
 * services at 5 s through leases in one PostgreSQL; one is SIGKILLed, a fourth joins, all stop.
 */

const SERVICES = 12;
const INTERVAL_MS = 5_000;
const LEASE_S = 6;

interface Row {
  service_key: string;
  agent: string;
  scheduled: number;
  started: number | null;
  finished: number;
  error_class: string | null;
  error_message: string | null;
}

async function query<R extends pg.QueryResultRow>(
  uri: string,
  sql: string,
  params: unknown[] = [],
): Promise<R[]> {
  const c = new pg.Client({ connectionString: uri });
  await c.connect();
  try {
    return (await c.query<R>(sql, params)).rows;
  } finally {
    await c.end();
  }
}

const ms = (col: string) => `(extract(epoch FROM ${col}) * 1000)::float8`;

async function rows(uri: string): Promise<Row[]> {
  const exists = await query<{ ok: boolean }>(
    uri,
    `SELECT to_regclass('public.monitoring') IS NOT NULL AS ok`,
  );
  if (!exists[0]?.ok) return [];
  return query<Row>(
    uri,
    `SELECT service_key, agent, ${ms('scheduled_at')} AS scheduled, ${ms('started_at')} AS started,
            ${ms('finished_at')} AS finished, error_class, exception AS error_message
       FROM monitoring ORDER BY service_key, scheduled_at`,
  );
}

/** Live leases: agent → service keys. */
async function leases(uri: string): Promise<Map<string, string[]>> {
  const exists = await query<{ ok: boolean }>(
    uri,
    `SELECT to_regclass('public.monitoring_leases') IS NOT NULL AS ok`,
  );
  const out = new Map<string, string[]>();
  if (!exists[0]?.ok) return out;
  const r = await query<{ agent: string; service_key: string }>(
    uri,
    `SELECT agent, service_key FROM monitoring_leases WHERE expires_at >= now() ORDER BY service_key`,
  );
  for (const x of r) out.set(x.agent, [...(out.get(x.agent) ?? []), x.service_key]);
  return out;
}

test('share mode: three agents, one SIGKILLed, a fourth joins: every slot at most once, takeover within the lease', async () => {
  const target = await startCountingServer();
  const uri = await getTestDatabaseUrl();
  const services = Array.from({ length: SERVICES }, (_, i) =>
    serviceConfig(`${target.url}/share/${i}`, { interval_sec: INTERVAL_MS / 1000, timeout: 2 }),
  );
  const configs = ['a', 'b', 'c', 'd'].map((name) =>
    tempConfig({
      external_database_uri: uri,
      services,
      agent_name: name,
      fleet: { mode: 'share', pool: 'e2e', lease_seconds: LEASE_S },
    } as Omit<MonitorConfig, 'local_database_path'>),
  );
  const daemons = new Map<string, DaemonProcess>();
  const start = (i: number) => {
    const name = ['a', 'b', 'c', 'd'][i] as string;
    const d = startDaemon(configs[i]?.configPath as string);
    daemons.set(name, d);
    return d;
  };
  try {
    for (let i = 0; i < 3; i++) start(i);
    // Settled: the 12 services divided 4/4/4.
    assert.ok(
      await until(
        async () => {
          const l = await leases(uri);
          return l.size === 3 && [...l.values()].every((k) => k.length === 4);
        },
        30_000,
        300,
      ),
      `three agents hold 4 services each: ${JSON.stringify([...(await leases(uri))])}`,
    );
    await new Promise((r) => setTimeout(r, 2 * INTERVAL_MS));

    const victim = (await leases(uri)).get('c') ?? [];
    assert.equal(victim.length, 4);
    const killAt = Date.now();
    daemons.get('c')?.child.kill('SIGKILL');
    await daemons.get('c')?.exited;

    // Taken over by a and b: each of c's services has a row of another agent after the kill.
    const takenOver = async () => {
      const r = await rows(uri);
      return victim.every((k) =>
        r.some((x) => x.service_key === k && x.agent !== 'c' && x.scheduled > killAt),
      );
    };
    assert.ok(await until(takenOver, 30_000, 500), 'c services are probed by the others');

    // A fourth agent joins without anyone restarting, and gets its share.
    start(3);
    assert.ok(
      await until(
        async () => {
          const l = await leases(uri);
          return l.size === 3 && (l.get('d')?.length ?? 0) === 4;
        },
        30_000,
        300,
      ),
      `d holds its share: ${JSON.stringify([...(await leases(uri))])}`,
    );
    const joinedAt = Date.now();
    assert.ok(
      await until(
        async () => (await rows(uri)).some((x) => x.agent === 'd' && x.started !== null),
        20_000,
        500,
      ),
      'd probes',
    );

    // SIGTERM hands over at once: a's leases are ended when it exits (unreleased, they would be live
    // for ttl = 4 s more), and b and d hold all 12 at their next rounds.
    const aStop = await daemons.get('a')?.stop('SIGTERM', 30_000);
    assert.equal(aStop?.code, 0, 'a exits 0');
    assert.equal((await leases(uri)).get('a'), undefined, "a's leases ended at its exit");
    assert.ok(
      await until(
        async () => {
          const l = await leases(uri);
          return (l.get('b')?.length ?? 0) + (l.get('d')?.length ?? 0) === SERVICES;
        },
        20_000,
        200,
      ),
      `b and d took a's services over: ${JSON.stringify([...(await leases(uri))])}`,
    );
    for (const name of ['b', 'd']) {
      const stop = await daemons.get(name)?.stop('SIGTERM', 30_000);
      assert.equal(stop?.code, 0, `${name} exits 0`);
    }

    const all = await rows(uri);
    const dupes = await query<{ service_key: string }>(
      uri,
      'SELECT service_key, scheduled_at FROM monitoring GROUP BY 1, 2 HAVING count(*) > 1',
    );
    assert.deepEqual(dupes, [], 'no (service, slot) row twice in PostgreSQL');

    // One agent at a time: within a service, a probe by another agent starts after the last one ended.
    for (let i = 1; i < all.length; i++) {
      const prev = all[i - 1] as Row;
      const cur = all[i] as Row;
      if (prev.service_key !== cur.service_key || prev.agent === cur.agent || cur.started === null) continue;
      assert.ok(
        prev.finished <= cur.started,
        `${cur.service_key}: ${cur.agent} started ${cur.started} before ${prev.agent}'s probe ended ${prev.finished}`,
      );
    }

    // Takeover within the lease: the first slot of each of c's services probed by a new agent.
    for (const k of victim) {
      const first = all.find(
        (x) => x.service_key === k && x.agent !== 'c' && x.started !== null && x.scheduled > killAt,
      );
      assert.ok(first, `${k} probed after the kill`);
      assert.ok(
        first.scheduled <= killAt + LEASE_S * 1000 + INTERVAL_MS,
        `${k}: first probe by ${first.agent} at +${first.scheduled - killAt} ms after the kill (bound ${LEASE_S * 1000 + INTERVAL_MS})`,
      );
    }
    // The gap reported: a line per taken-over service in its taker's log, naming c.
    const out = ['a', 'b'].map((n) => daemons.get(n)?.output() ?? '').join('\n');
    for (const k of victim) {
      assert.match(
        out,
        new RegExp(`took over ${k} from c \\(lease ended [^)]*\\): gap \\d+\\.\\d s`),
        `gap of ${k}`,
      );
    }
    // Missed rows of the takeover: only for c's services and only for slots after c's last probe
    // of them (after its lease ended, where c cannot have probed — usually after the kill, but a
    // c starved of CPU may have let a lease lapse before it); none of them is another row's slot
    // (above).
    const gapRows = all.filter(
      (x) => x.error_class === 'missed' && /taken over from c\b/.test(x.error_message ?? ''),
    );
    const lastByC = (k: string) =>
      Math.max(
        ...all
          .filter((x) => x.service_key === k && x.agent === 'c' && x.started !== null)
          .map((x) => x.scheduled),
      );
    assert.ok(
      gapRows.every((x) => victim.includes(x.service_key) && x.scheduled > lastByC(x.service_key)),
      JSON.stringify(gapRows),
    );

    // d took services over without a restart, and the SIGTERMed agents released theirs at once.
    assert.ok(all.some((x) => x.agent === 'd' && x.scheduled >= joinedAt - INTERVAL_MS));
    const released = ['a', 'b', 'd'].map((n) => daemons.get(n)?.output() ?? '');
    assert.ok(
      released.every((o) => /share: released \d+ leases/.test(o)),
      'each released its leases at shutdown',
    );
    assert.deepEqual([...(await leases(uri)).keys()], [], 'no live lease after everyone stopped');
  } finally {
    for (const d of daemons.values())
      if (d.child.exitCode === null && d.child.signalCode === null) d.child.kill('SIGKILL');
    await target.close();
    for (const c of configs) c.remove();
  }
});
