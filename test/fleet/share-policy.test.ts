import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import type { ResolvedService } from '../../src/config/resolve.js';
import { migrateRemote } from '../../src/db/remote/migrate.js';
import { leaseTiming } from '../../src/fleet/lease-timing.js';
import { leaseTablesFor } from '../../src/fleet/leases.js';
import { createSharePolicy } from '../../src/fleet/share.js';
import type { ProbeResult } from '../../src/results/types.js';
import { until } from '../helpers/local-db.js';
import { capturingLogger, messages } from '../helpers/logs.js';
import { getTestDatabaseUrl } from '../helpers/pg.js';
import { resolvedService } from '../helpers/services.js';

/** The share policy over a real PostgreSQL that can be cut off (withRemote made to fail). */

const TARGET = { schema: 'public', table: 'monitoring' };
const services = Array.from({ length: 4 }, (_, i) => resolvedService(`http://127.0.0.1:1/p/${i}`));

async function rig(agent: string, uri: string) {
  const pool = new pg.Pool({ connectionString: uri, max: 2 });
  let cutOff = false;
  const probed: Array<{ at: number; keys: string[] }> = [];
  const recorded: ProbeResult[] = [];
  const { logger, lines } = capturingLogger('info');
  const policy = createSharePolicy({
    pool: 'p',
    agent,
    timing: leaseTiming(6),
    tables: leaseTablesFor(TARGET),
    withRemote: async (fn) => {
      if (cutOff)
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
      const c = await pool.connect();
      try {
        return await fn(c);
      } finally {
        c.release();
      }
    },
    probe: (list: ResolvedService[]) => probed.push({ at: Date.now(), keys: list.map((s) => s.key) }),
    record: (r) => recorded.push(...r),
    logger,
  });
  policy.setConfigured(services);
  return {
    policy,
    probed,
    recorded,
    lines,
    pool,
    cut: (v: boolean) => {
      cutOff = v;
    },
  };
}

test('cut off from PostgreSQL: probes what it held until its local deadline, stops before the lease ends there', async () => {
  const uri = await getTestDatabaseUrl();
  const setup = new pg.Client({ connectionString: uri });
  await setup.connect();
  await migrateRemote(setup, TARGET);
  const a = await rig('a', uri);
  try {
    const roundStartedAt = Date.now();
    await a.policy.round();
    assert.equal(a.policy.held().length, 4);
    assert.deepEqual(a.probed.at(-1)?.keys, services.map((s) => s.key).sort());

    a.cut(true);
    await a.policy.round();
    assert.equal(a.policy.held().length, 4, 'a failed round changes nothing');
    assert.ok(
      messages(a.lines).some((m) =>
        /lease round failed: connect ECONNREFUSED.*probing the 4 held services/.test(m),
      ),
    );

    assert.ok(await until(() => a.policy.held().length === 0, 10_000, 50), 'stopped at the deadline');
    const stoppedAt = a.probed.at(-1)?.at ?? 0;
    assert.deepEqual(a.probed.at(-1)?.keys, []);
    const timing = leaseTiming(6);
    assert.ok(
      stoppedAt >= roundStartedAt + timing.ttlMs - timing.marginMs,
      `trusted until the round's start + ttl - margin (${stoppedAt - roundStartedAt} ms)`,
    );
    const { rows } = await setup.query<{ ends: number }>(
      `SELECT (extract(epoch FROM min(expires_at)) * 1000)::float8 AS ends FROM monitoring_leases WHERE agent = 'a'`,
    );
    assert.ok(
      stoppedAt < (rows[0]?.ends ?? 0),
      `stopped ${(rows[0]?.ends ?? 0) - stoppedAt} ms before the lease ended in PostgreSQL`,
    );
    assert.equal(
      messages(a.lines).filter((m) => /leases of 4 services could not be renewed in time/.test(m)).length,
      1,
      'one line',
    );

    // Back: the next round holds them again (renewed, or taken again after they lapsed).
    a.cut(false);
    await a.policy.round();
    assert.equal(a.policy.held().length, 4);
    assert.ok(messages(a.lines).includes('share: lease rounds work again'));
  } finally {
    await a.pool.end();
    await setup.end();
  }
});

test('a dead holder: the taker records the gap after the lease ended and logs it; SIGTERM-like release hands over at once', async () => {
  const uri = await getTestDatabaseUrl();
  const setup = new pg.Client({ connectionString: uri });
  await setup.connect();
  await migrateRemote(setup, TARGET);
  const a = await rig('a', uri);
  const b = await rig('b', uri);
  try {
    await a.policy.round();
    await b.policy.round();
    assert.equal(a.policy.held().length, 4);
    assert.equal(b.policy.held().length, 0, 'the share of b is 2, but all are held by a');
    // a "dies": no more rounds. After its lease lapses b takes everything.
    await setup.query(
      `UPDATE monitoring_leases SET expires_at = now() - interval '20 seconds' WHERE agent = 'a'`,
    );
    await setup.query(
      `UPDATE monitoring_pool_members SET expires_at = now() - interval '20 seconds' WHERE agent = 'a'`,
    );
    await b.policy.round();
    assert.equal(b.policy.held().length, 4);
    const gapLines = messages(b.lines).filter((m) =>
      /^share: took over .* from a \(lease ended .*\): gap \d+\.\d s/.test(m),
    );
    assert.equal(gapLines.length, 4, gapLines.join('\n'));
    // 20 s at 5 s: 4 or 5 slots per service after the lease ended, none before it.
    const ended = Date.now() - 20_000;
    assert.ok(b.recorded.length >= 16, `missed rows: ${b.recorded.length}`);
    assert.ok(
      b.recorded.every((r) => r.errorClass === 'missed' && r.agent === 'b' && r.scheduledAt >= ended - 1000),
    );

    // b leaves cleanly: a (back) takes over at its next round, not after expiry.
    await b.policy.release();
    await a.policy.round();
    assert.equal(a.policy.held().length, 4);
  } finally {
    await a.pool.end();
    await b.pool.end();
    await setup.end();
  }
});
