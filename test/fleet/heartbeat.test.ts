import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { migrateRemote } from '../../src/db/remote/migrate.js';
import type { RemoteTable } from '../../src/db/remote/table.js';
import { readAgents, readServiceStates } from '../../src/fleet/fleet-read.js';
import {
  createHeartbeat,
  LAST_RESULT_REFRESH_MS,
  type LocalServiceState,
} from '../../src/fleet/heartbeat.js';
import { capturingLogger, messages } from '../helpers/logs.js';
import { freePort, getTestDatabaseUrl } from '../helpers/pg.js';

const TABLE: RemoteTable = { schema: 'fleet', table: 'checks' };

/** A heartbeat over a real PostgreSQL; `down` switches its connection to a port nothing listens on. */
async function rig(url: string) {
  const good = new pg.Pool({ connectionString: url, max: 2 });
  const dead = new pg.Pool({
    connectionString: `postgresql://postgres@127.0.0.1:${await freePort()}/x`,
    connectionTimeoutMillis: 2000,
  });
  const setup = await good.connect();
  await migrateRemote(setup, TABLE);
  setup.release();
  let clock = 1_800_000_000_000;
  let down = false;
  let location = 'fra';
  let keys = ['k1', 'k2', 'k3'];
  let states: LocalServiceState[] = [
    {
      serviceKey: 'k1',
      state: 'up',
      since: clock - 60_000,
      lastResultAt: clock - 1000,
      url: 'http://one.test/',
    },
    {
      serviceKey: 'k2',
      state: 'down',
      since: clock - 30_000,
      lastResultAt: clock - 2000,
      url: 'http://two.test/',
    },
  ];
  const log = capturingLogger();
  let sentStatements = 0;
  const hb = createHeartbeat({
    identity: () => ({
      name: 'agent-1',
      location,
      version: '9.9.9',
      mode: 'replicate',
      pool: 'default',
      host: 'h1',
      pid: 4242,
      startedAt: 1_799_999_000_000,
    }),
    figures: () => ({ services: keys.length, unexportedRows: 17, exportLagMs: 1234, held: 2 }),
    serviceKeys: () => keys,
    states: () => states,
    table: () => TABLE,
    enabled: () => true,
    withRemote: async (fn) => {
      const c = await (down ? dead : good).connect();
      const query = c.query.bind(c) as (...a: unknown[]) => unknown;
      // Counts the state upserts a heartbeat sends.
      (c as unknown as { query: (...a: unknown[]) => unknown }).query = (...a: unknown[]) => {
        if (typeof a[0] === 'string' && a[0].includes('unnest('))
          sentStatements += (a[1] as unknown[][])[2]!.length;
        return query(...a);
      };
      try {
        return await fn(c);
      } finally {
        (c as unknown as { query: unknown }).query = query;
        c.release();
      }
    },
    logger: log.logger,
    everyMs: 15_000,
    now: () => clock,
  });
  const read = async () => {
    const c = await good.connect();
    try {
      return { agents: await readAgents(c, TABLE), states: await readServiceStates(c, TABLE) };
    } finally {
      c.release();
    }
  };
  return {
    hb,
    read,
    log,
    advance: (ms: number) => {
      clock += ms;
    },
    setDown: (v: boolean) => {
      down = v;
    },
    setStates: (s: LocalServiceState[]) => {
      states = s;
    },
    states: () => states,
    setKeys: (k: string[]) => {
      keys = k;
    },
    setLocation: (l: string) => {
      location = l;
    },
    sentRows: () => sentStatements,
    close: async () => {
      await good.end();
      await dead.end();
    },
  };
}

test('the heartbeat upserts the agent row and the changed states, at most every 15 s', async () => {
  const r = await rig(await getTestDatabaseUrl());
  try {
    assert.equal(await r.hb.run(), true);
    const first = await r.read();
    assert.equal(first.agents.length, 1);
    const a = first.agents[0]!;
    assert.deepEqual(
      [
        a.name,
        a.location,
        a.version,
        a.mode,
        a.pool,
        a.host,
        a.pid,
        a.services,
        a.unexportedRows,
        a.exportLagMs,
      ],
      ['agent-1', 'fra', '9.9.9', 'replicate', 'default', 'h1', 4242, 3, 17, 1234],
    );
    assert.equal(a.heartbeatMs, 15_000);
    assert.equal(a.held, 2, 'share mode: the leases held');
    assert.equal(a.health, 'ok');
    assert.equal(a.startedAt, 1_799_999_000_000);
    assert.deepEqual(first.states.map((s) => [s.serviceKey, s.location, s.agent, s.state, s.live]).sort(), [
      ['k1', 'fra', 'agent-1', 'up', true],
      ['k2', 'fra', 'agent-1', 'down', true],
    ]);
    assert.equal(r.sentRows(), 2);

    // Not due yet: nothing is sent.
    r.advance(5000);
    assert.equal(await r.hb.run(), false);
    // Due, nothing changed: the agent row only.
    r.advance(10_000);
    assert.equal(await r.hb.run(), true);
    assert.equal(r.sentRows(), 2, 'unchanged states are not sent again');

    // Only the last result moved (every probe does that): sent again once it is 5 minutes newer.
    const base = r.states();
    r.setStates(base.map((s) => ({ ...s, lastResultAt: s.lastResultAt + LAST_RESULT_REFRESH_MS - 1 })));
    r.advance(15_000);
    assert.equal(await r.hb.run(), true);
    assert.equal(r.sentRows(), 2, 'a newer last result alone is not sent within 5 minutes');
    r.setStates(base.map((s) => ({ ...s, lastResultAt: s.lastResultAt + LAST_RESULT_REFRESH_MS })));
    r.advance(15_000);
    assert.equal(await r.hb.run(), true);
    assert.equal(r.sentRows(), 4, 'refreshed after 5 minutes');
    r.setStates(base);

    // One changed state, one service removed from the config: one row sent, one deleted.
    r.setStates([
      {
        serviceKey: 'k1',
        state: 'down',
        since: 1_800_000_020_000,
        lastResultAt: 1_800_000_020_000,
        url: 'http://one.test/',
      },
    ]);
    r.setKeys(['k1', 'k3']);
    r.advance(15_000);
    assert.equal(await r.hb.run(), true);
    assert.equal(r.sentRows(), 5);
    const after = await r.read();
    assert.deepEqual(
      after.states.map((s) => [s.serviceKey, s.state, s.since]),
      [['k1', 'down', 1_800_000_020_000]],
    );
  } finally {
    await r.close();
  }
});

test('a failed heartbeat is logged once per outage, and the next success sends everything changed since the last one', async () => {
  const r = await rig(await getTestDatabaseUrl());
  try {
    assert.equal(await r.hb.run(), true);
    r.setDown(true);
    const changedDuringOutage: LocalServiceState[] = [
      {
        serviceKey: 'k1',
        state: 'degraded',
        since: 1_800_000_005_000,
        lastResultAt: 1_800_000_040_000,
        url: 'http://one.test/',
      },
      {
        serviceKey: 'k2',
        state: 'up',
        since: 1_800_000_006_000,
        lastResultAt: 1_800_000_041_000,
        url: 'http://two.test/',
      },
    ];
    for (let i = 0; i < 3; i++) {
      r.advance(15_000);
      if (i === 1) r.setStates(changedDuringOutage);
      assert.equal(await r.hb.run(), false, 'resolves false, never rejects');
    }
    const warned = messages(r.log.lines).filter((m) => m.startsWith('Fleet heartbeat to PostgreSQL failed'));
    assert.equal(warned.length, 1, r.log.text());
    assert.match(warned[0]!, /ECONNREFUSED/);
    r.setDown(false);
    r.advance(15_000);
    assert.equal(await r.hb.run(), true);
    assert.ok(messages(r.log.lines).some((m) => m === 'Fleet heartbeat works again after 3 failed.'));
    const { states } = await r.read();
    assert.deepEqual(states.map((s) => [s.serviceKey, s.state]).sort(), [
      ['k1', 'degraded'],
      ['k2', 'up'],
    ]);
    assert.equal(r.sentRows(), 4, 'both changed rows were sent after the outage');
  } finally {
    await r.close();
  }
});

test("a new location replaces the agent's rows of the old one", async () => {
  const r = await rig(await getTestDatabaseUrl());
  try {
    await r.hb.run();
    r.setLocation('nyc');
    r.advance(15_000);
    assert.equal(await r.hb.run(), true);
    const { agents, states } = await r.read();
    assert.equal(agents[0]!.location, 'nyc');
    assert.deepEqual([...new Set(states.map((s) => s.location))], ['nyc']);
    assert.equal(states.length, 2);
  } finally {
    await r.close();
  }
});

test('a clean stop marks the row stopped (not lost, its states not live); the next heartbeat clears it', async () => {
  const r = await rig(await getTestDatabaseUrl());
  try {
    await r.hb.stop();
    assert.deepEqual((await r.read()).agents, [], 'nothing written yet: nothing to mark');
    await r.hb.run();
    await r.hb.stop();
    const stopped = await r.read();
    assert.equal(stopped.agents[0]!.health, 'stopped');
    assert.ok(stopped.states.every((s) => !s.live));
    r.advance(15_000);
    await r.hb.run();
    const again = await r.read();
    assert.equal(again.agents[0]!.health, 'ok');
    assert.ok(again.states.every((s) => s.live));
  } finally {
    await r.close();
  }
});
