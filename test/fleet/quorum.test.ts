import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type AgentServiceRow,
  fleetExitCode,
  fleetQuorum,
  majority,
  serviceQuorum,
} from '../../src/fleet/quorum.js';

let t0 = 1_800_000_000_000;
function row(
  location: string,
  agent: string,
  state: string,
  extra: Partial<AgentServiceRow> = {},
): AgentServiceRow {
  t0 += 1000;
  return {
    serviceKey: 'svc',
    location,
    agent,
    state,
    since: t0,
    lastResultAt: t0 + 500,
    url: 'http://svc.test/',
    live: true,
    ...extra,
  };
}

test('majority of n locations is ⌊n/2⌋ + 1', () => {
  assert.deepEqual([1, 2, 3, 4, 5].map(majority), [1, 2, 2, 3, 3]);
});

test('three locations, default quorum (2): 0 down up, 1 down partial, 2 down down', () => {
  const up = serviceQuorum([row('a', 'a1', 'up'), row('b', 'b1', 'up'), row('c', 'c1', 'up')], null);
  assert.equal(up.state, 'up');
  assert.equal(up.quorum, 2);
  const partial = serviceQuorum([row('a', 'a1', 'down'), row('b', 'b1', 'up'), row('c', 'c1', 'up')], null);
  assert.deepEqual([partial.state, partial.down, partial.reporting], ['partial', 1, 3]);
  const down = serviceQuorum([row('a', 'a1', 'down'), row('b', 'b1', 'down'), row('c', 'c1', 'up')], null);
  assert.deepEqual([down.state, down.down, down.reporting], ['down', 2, 3]);
});

test('an explicit quorum: k = 1 makes one location enough, k = 3 needs all three', () => {
  const rows = [row('a', 'a1', 'down'), row('b', 'b1', 'up'), row('c', 'c1', 'up')];
  assert.equal(serviceQuorum(rows, 1).state, 'down');
  const twoDown = [row('a', 'a1', 'down'), row('b', 'b1', 'down'), row('c', 'c1', 'up')];
  assert.equal(serviceQuorum(twoDown, 3).state, 'partial');
  // Fewer locations reporting than the quorum: never more than partial.
  assert.equal(serviceQuorum([row('a', 'a1', 'down'), row('b', 'b1', 'down')], 3).state, 'partial');
});

test("a location is the best of its live agents: one agent's bad host does not make its location down", () => {
  const q = serviceQuorum(
    [row('a', 'a1', 'down'), row('a', 'a2', 'up'), row('b', 'b1', 'up'), row('c', 'c1', 'up')],
    null,
  );
  assert.equal(q.state, 'up');
  assert.equal(q.locations.find((l) => l.location === 'a')?.state, 'up');
  const allDown = serviceQuorum(
    [row('a', 'a1', 'down'), row('a', 'a2', 'down'), row('b', 'b1', 'up'), row('c', 'c1', 'up')],
    null,
  );
  assert.equal(allDown.state, 'partial');
});

test("a lost agent's row is shown as unknown and never counted", () => {
  const rows = [row('a', 'a1', 'down'), row('b', 'b1', 'down', { live: false }), row('c', 'c1', 'up')];
  const q = serviceQuorum(rows, null);
  // Two reporting locations (a, c): k = 2, one down → partial, not down.
  assert.deepEqual([q.state, q.down, q.reporting, q.quorum], ['partial', 1, 2, 2]);
  const b = q.locations.find((l) => l.location === 'b');
  assert.deepEqual([b?.state, b?.lost], ['unknown', true]);
  const onlyLost = serviceQuorum([row('a', 'a1', 'down', { live: false })], null);
  assert.equal(onlyLost.state, 'unknown');
});

test('degraded when a location is degraded and none down; a missed slot (unknown) does not vote', () => {
  assert.equal(serviceQuorum([row('a', 'a1', 'degraded'), row('b', 'b1', 'up')], null).state, 'degraded');
  const q = serviceQuorum([row('a', 'a1', 'unknown'), row('b', 'b1', 'down')], null);
  assert.deepEqual([q.state, q.reporting], ['down', 1]);
});

test('since: down from when the k-th location went down, partial from the first', () => {
  const a = row('a', 'a1', 'down', { since: 1000 });
  const b = row('b', 'b1', 'down', { since: 3000 });
  const c = row('c', 'c1', 'down', { since: 2000 });
  assert.equal(serviceQuorum([a, b, c], null).since, 2000);
  assert.equal(serviceQuorum([a, row('b', 'b1', 'up', { since: 500 })], 2).since, 1000);
});

test('fleetQuorum groups by service; the exit code ranks down > partial > degraded > up', () => {
  const list = fleetQuorum(
    [
      row('a', 'a1', 'down', { serviceKey: 'k2', url: 'http://b.test/' }),
      row('b', 'b1', 'up', { serviceKey: 'k2', url: 'http://b.test/' }),
      row('c', 'c1', 'up', { serviceKey: 'k2', url: 'http://b.test/' }),
      row('a', 'a1', 'up', { serviceKey: 'k1', url: 'http://a.test/' }),
    ],
    null,
  );
  assert.deepEqual(
    list.map((s) => [s.url, s.state]),
    [
      ['http://a.test/', 'up'],
      ['http://b.test/', 'partial'],
    ],
  );
  assert.equal(fleetExitCode(list), 4);
  assert.equal(fleetExitCode([{ ...list[0]!, state: 'down' }, ...list]), 1);
  assert.equal(fleetExitCode([{ ...list[0]!, state: 'degraded' }]), 3);
  assert.equal(fleetExitCode([list[0]!]), 0);
});
