import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diffConfigs, isEmptyDiff } from '../../src/config/diff.js';
import type { MonitorConfig } from '../../src/config/types.js';
import { serviceConfig } from '../helpers/services.js';

const base: MonitorConfig = {
  local_database_path: '/x',
  external_database_uri: null,
  services: [serviceConfig('http://a/'), serviceConfig('http://b/', { headers: { x: '1', y: '2' } })],
  extra: { k: 1 },
};

test('the same config, nested keys in another order: no changes', () => {
  const next = structuredClone(base);
  next.services[1]!['headers'] = { y: '2', x: '1' };
  next['extra'] = { k: 1 };
  assert.ok(isEmptyDiff(diffConfigs(base, next)));
});

test('a field of any name counts: added, changed and removed keys; identity keeps a service "changed"', () => {
  const next = structuredClone(base);
  next.services[0]!.timeout = 9;
  next.services[0]!.conditions = ['[STATUS] == 200'];
  delete next.services[1]!['headers'];
  const d = diffConfigs(base, next);
  assert.deepEqual(
    d.changed.map((c) => [c.index, c.fields]),
    [
      [0, ['timeout', 'conditions']],
      [1, ['headers']],
    ],
  );
  assert.deepEqual([d.added, d.removed, d.settings, d.reordered], [[], [], [], false]);
});

test('a new identity is added + removed; top-level keys added or removed are settings; order counts', () => {
  const next = structuredClone(base);
  next.services = [
    serviceConfig('http://b/', { headers: { x: '1', y: '2' } }),
    serviceConfig('http://a/', { method: 'HEAD' }),
  ];
  delete next['extra'];
  next.agent_name = 'n';
  const d = diffConfigs(base, next);
  assert.deepEqual(
    d.added.map((e) => [e.index, e.service.method]),
    [[1, 'HEAD']],
  );
  assert.deepEqual(
    d.removed.map((e) => [e.index, e.service.url]),
    [[0, 'http://a/']],
  );
  assert.deepEqual(d.settings, ['agent_name', 'extra']);
  assert.equal(d.reordered, false);
  const swapped = structuredClone(base);
  swapped.services.reverse();
  const r = diffConfigs(base, swapped);
  assert.equal(r.reordered, true);
  assert.ok(!isEmptyDiff(r));
});
