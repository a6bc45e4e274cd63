import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { migrateRemote } from '../../src/db/remote/migrate.js';
import {
  type LeaseTables,
  leaseRound,
  leaseTablesFor,
  type RoundOutcome,
  releaseAll,
} from '../../src/fleet/leases.js';
import { getTestDatabaseUrl } from '../helpers/pg.js';

/** The lease round's SQL on a real PostgreSQL, each simulated agent on its own connection. */

const TARGET = { schema: 'public', table: 'monitoring' };
const T: LeaseTables = leaseTablesFor(TARGET);
const KEYS = Array.from({ length: 12 }, (_, i) => `svc-${String(i).padStart(2, '0')}`);
const LONG = 60_000;

let uri = '';
const clients: pg.Client[] = [];

before(async () => {
  uri = await getTestDatabaseUrl();
  const c = await client();
  await migrateRemote(c, TARGET);
});

after(async () => {
  for (const c of clients) await c.end().catch(() => {});
});

async function client(): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: uri });
  await c.connect();
  clients.push(c);
  return c;
}

/** A simulated agent: its own connection, its own pool name per test. */
async function agentOn(pool: string, name: string, configured: readonly string[] = KEYS) {
  const c = await client();
  const releasedBefore: string[][] = [];
  return {
    name,
    round: (ttlMs = LONG): Promise<RoundOutcome> =>
      leaseRound(c, T, {
        pool,
        agent: name,
        configured,
        ttlMs,
        beforeRelease: (keys) => releasedBefore.push([...keys]),
      }),
    releaseAll: () => releaseAll(c, T, pool, name),
    releasedBefore,
  };
}

/** Live leases of the pool: agent → keys. */
async function live(pool: string): Promise<Map<string, string[]>> {
  const c = await client();
  const { rows } = await c.query<{ agent: string; service_key: string }>(
    `SELECT agent, service_key FROM ${T.leases} WHERE pool = $1 AND expires_at >= now() ORDER BY service_key`,
    [pool],
  );
  const out = new Map<string, string[]>();
  for (const r of rows) out.set(r.agent, [...(out.get(r.agent) ?? []), r.service_key]);
  return out;
}

async function untilExpired(pool: string, agent: string): Promise<void> {
  const c = await client();
  for (;;) {
    const { rows } = await c.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${T.leases} WHERE pool = $1 AND agent = $2 AND expires_at >= now()`,
      [pool, agent],
    );
    if (rows[0]?.n === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('fair share: a lone agent takes every service; a second and a third make it ceil(12/n), never two holders', async () => {
  const pool = 'fair';
  const a = await agentOn(pool, 'a');
  const b = await agentOn(pool, 'b');
  const c = await agentOn(pool, 'c');
  const first = await a.round();
  assert.equal(first.members, 1);
  assert.equal(first.acquired.length, 12);
  assert.deepEqual(first.takeovers, [], 'nothing held before: no takeover, no gap');

  const bJoins = await b.round();
  assert.equal(bJoins.members, 2);
  assert.equal(bJoins.share, 6);
  assert.deepEqual(bJoins.acquired, [], "a's leases are live: b takes none of them");

  const aGives = await a.round();
  assert.equal(aGives.renewed.length, 6);
  assert.equal(aGives.released.length, 6);
  assert.deepEqual(a.releasedBefore, [aGives.released], 'the agent was told to stop probing them first');
  const bTakes = await b.round();
  assert.equal(bTakes.acquired.length, 6);
  assert.deepEqual(new Set(bTakes.acquired), new Set(aGives.released));
  assert.ok(
    bTakes.takeovers.every((tk) => tk.previousAgent === 'a'),
    'a released lease is a takeover from its holder (the gap is reported)',
  );

  for (const x of [c, a, b, c]) await x.round();
  const held = await live(pool);
  assert.deepEqual([...held.keys()].sort(), ['a', 'b', 'c']);
  for (const [agent, keys] of held) assert.equal(keys.length, 4, `${agent} holds ${keys.join(',')}`);
  const all = [...held.values()].flat();
  assert.equal(new Set(all).size, 12, 'every service held by exactly one agent');
});

test('a round while another agent holds live leases never takes them, even racing it', async () => {
  const pool = 'race';
  const agents = await Promise.all(['a', 'b', 'c'].map((n) => agentOn(pool, n)));
  for (let i = 0; i < 8; i++) {
    // The three run their rounds at the same moment: inserts race for the same free rows.
    const outs = await Promise.all(agents.map((x) => x.round()));
    const acquired = outs.flatMap((o) => o.acquired);
    assert.equal(new Set(acquired).size, acquired.length, `round ${i}: no key acquired twice`);
    const held = await live(pool);
    const all = [...held.values()].flat();
    assert.equal(new Set(all).size, all.length, `round ${i}: no key held twice`);
    for (const o of outs) {
      for (const k of o.acquired) assert.ok(!outs.some((p) => p !== o && p.renewed.includes(k)));
    }
  }
  const held = await live(pool);
  assert.equal([...held.values()].flat().length, 12, 'all services are held after a few rounds');
});

test('expiry takeover: a silent agent loses its leases after ttl, not before; the taker learns the gap', async () => {
  const pool = 'expiry';
  const a = await agentOn(pool, 'a');
  const b = await agentOn(pool, 'b');
  await a.round(1500);
  const early = await b.round(1500);
  assert.deepEqual(early.acquired, [], 'live leases are not taken');
  // Results of a in PostgreSQL: the last slot of svc-00 is known to the taker.
  const c = await client();
  const lastSlot = Date.parse('2026-12-03T09:00:05.000Z');
  await c.query(
    `INSERT INTO ${T.results} (local_id, url, method, request_timestamp, regex_check_required, contains_regex,
       contains_exception, local_created_at, agent, service_key, scheduled_at)
     VALUES ('r1', 'http://x', 'GET', now(), false, false, false, now(), 'a', 'svc-00', to_timestamp($1 / 1000.0)),
            ('r2', 'http://x', 'GET', now(), false, false, false, now(), 'a', 'svc-00', to_timestamp($2 / 1000.0))`,
    [lastSlot - 5000, lastSlot],
  );
  await untilExpired(pool, 'a');
  const late = await b.round(LONG);
  assert.equal(late.members, 1, "a's membership ended with its leases");
  assert.equal(late.acquired.length, 12);
  assert.equal(late.takeovers.length, 12);
  const t0 = late.takeovers.find((tk) => tk.serviceKey === 'svc-00');
  assert.equal(t0?.previousAgent, 'a');
  assert.equal(t0?.lastSlotAt, lastSlot);
  assert.equal(late.takeovers.find((tk) => tk.serviceKey === 'svc-01')?.lastSlotAt, null);
  const { rows } = await c.query<{ now: number }>(`SELECT (extract(epoch FROM now()) * 1000)::float8 AS now`);
  assert.ok(t0 && t0.endedAt <= (rows[0]?.now ?? 0), 'the lease had ended when it was taken');

  // a comes back: its leases are b's now; its round renews nothing and takes nothing.
  const back = await a.round(1500);
  assert.deepEqual(back.renewed, []);
  assert.equal(back.share, 6);
  assert.deepEqual(back.acquired, []);
});

test('release at shutdown: the leases end at once and another agent takes them at its next round', async () => {
  const pool = 'release';
  const a = await agentOn(pool, 'a');
  const b = await agentOn(pool, 'b');
  await a.round();
  await b.round();
  assert.equal(await a.releaseAll(), 12);
  assert.deepEqual([...(await live(pool)).keys()], []);
  const next = await b.round();
  assert.equal(next.members, 1, 'a left the pool');
  assert.equal(next.acquired.length, 12);
  assert.ok(next.takeovers.every((tk) => tk.previousAgent === 'a'));
});

test('a service gone from the config: its lease ends at the next round', async () => {
  const pool = 'reload';
  const a = await agentOn(pool, 'a', KEYS);
  await a.round();
  const fewer = await agentOn(pool, 'a', KEYS.slice(0, 10));
  const out = await fewer.round();
  assert.equal(out.renewed.length, 10);
  assert.deepEqual((await live(pool)).get('a'), KEYS.slice(0, 10));
});

test('the lease tables are named after the results table, in its schema, and come back when dropped by hand', async () => {
  const c = await client();
  const ops = { schema: 'ops', table: 'checks' };
  await migrateRemote(c, ops);
  const names = async () =>
    (
      await c.query<{ t: string }>(
        `SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'ops' ORDER BY 1`,
      )
    ).rows.map((r) => r.t);
  const made = await names();
  for (const t of ['checks', 'checks_leases', 'checks_pool_members', 'monitor_migrations']) {
    assert.ok(made.includes(t), `${t} in ${made.join(', ')}`);
  }
  assert.ok(!made.some((t) => t.startsWith('monitoring')), 'nothing named after the default table');
  const tables = leaseTablesFor(ops);
  assert.equal(tables.leases, '"ops"."checks_leases"');
  await c.query('DROP TABLE ops.checks_leases');
  const again = await migrateRemote(c, ops);
  assert.ok(again.includes('applied migration 0005_leases to "ops"."checks"'), again.join('\n'));
  assert.ok((await names()).includes('checks_leases'));
  const out = await leaseRound(c, tables, {
    pool: 'p',
    agent: 'a',
    configured: KEYS,
    ttlMs: LONG,
    beforeRelease: () => {},
  });
  assert.equal(out.acquired.length, 12);
});
