import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import type { MonitorConfig } from '../../src/config/types.js';
import { type DaemonProcess, startCountingServer, startDaemon, tempConfig } from '../helpers/daemon.js';
import { until } from '../helpers/local-db.js';
import { getTestDatabaseUrl } from '../helpers/pg.js';
import { serviceConfig } from '../helpers/services.js';

/**
 * share mode under repeated SIGKILLs: three agents, one of them killed at a random moment and
 * restarted (same name, same local database) after a random pause, KILLS times. No (service,
 * slot) twice in PostgreSQL, never two agents probing one service at once, and every service held
 * again at the end.
 */

const KILLS = 8;
const SERVICES = 15;
const LEASE_S = 6;

async function query<R extends pg.QueryResultRow>(uri: string, sql: string): Promise<R[]> {
  const c = new pg.Client({ connectionString: uri });
  await c.connect();
  try {
    return (await c.query<R>(sql)).rows;
  } finally {
    await c.end();
  }
}

test(`share mode: ${KILLS} SIGKILLs and restarts of agents: every slot at most once, one agent at a time`, async () => {
  const target = await startCountingServer();
  const uri = await getTestDatabaseUrl();
  const services = Array.from({ length: SERVICES }, (_, i) =>
    serviceConfig(`${target.url}/kill/${i}`, { timeout: 2 }),
  );
  const names = ['a', 'b', 'c'];
  const configs = names.map((name) =>
    tempConfig({
      external_database_uri: uri,
      services,
      agent_name: name,
      fleet: { mode: 'share', pool: 'faults', lease_seconds: LEASE_S },
    } as Omit<MonitorConfig, 'local_database_path'>),
  );
  const running: Array<DaemonProcess | null> = names.map((_, i) =>
    startDaemon(configs[i]?.configPath as string),
  );
  try {
    for (let k = 0; k < KILLS; k++) {
      await new Promise((r) => setTimeout(r, 3_000 + Math.floor(Math.random() * 6_000)));
      const i = Math.floor(Math.random() * names.length);
      running[i]?.child.kill('SIGKILL');
      await running[i]?.exited;
      // Back before its leases lapse (it renews them) or after (the others have taken them).
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 2 * LEASE_S * 1000)));
      running[i] = startDaemon(configs[i]?.configPath as string);
    }
    assert.ok(
      await until(async () => {
        const r = await query<{ n: number }>(
          uri,
          `SELECT count(*)::int AS n FROM monitoring_leases WHERE expires_at >= now()`,
        );
        return r[0]?.n === SERVICES;
      }, 30_000),
      'every service held again',
    );
    await new Promise((r) => setTimeout(r, 6_000));
    for (const d of running) {
      const stop = await d?.stop('SIGTERM', 30_000);
      assert.equal(stop?.code, 0);
    }

    const dupes = await query(
      uri,
      'SELECT service_key, scheduled_at FROM monitoring GROUP BY 1, 2 HAVING count(*) > 1',
    );
    assert.deepEqual(dupes, [], 'no (service, slot) row twice in PostgreSQL');
    const rows = await query<{
      service_key: string;
      agent: string;
      started: number | null;
      finished: number;
    }>(
      uri,
      `SELECT service_key, agent, (extract(epoch FROM started_at) * 1000)::float8 AS started,
              (extract(epoch FROM finished_at) * 1000)::float8 AS finished
         FROM monitoring WHERE started_at IS NOT NULL ORDER BY service_key, scheduled_at`,
    );
    assert.ok(rows.length > SERVICES * 5, `rows: ${rows.length}`);
    for (let i = 1; i < rows.length; i++) {
      const prev = rows[i - 1];
      const cur = rows[i];
      if (!prev || !cur || prev.service_key !== cur.service_key || prev.agent === cur.agent) continue;
      assert.ok(
        cur.started !== null && prev.finished <= cur.started,
        `${cur.service_key}: ${cur.agent} started before ${prev.agent}'s probe ended`,
      );
    }
  } finally {
    for (const d of running)
      if (d && d.child.exitCode === null && d.child.signalCode === null) d.child.kill('SIGKILL');
    await target.close();
    for (const c of configs) c.remove();
  }
});
