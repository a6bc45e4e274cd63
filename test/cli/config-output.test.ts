import assert from 'node:assert/strict';
import { test } from 'node:test';
import { databasesTable, pythonValue, servicesTable } from '../../src/cli/output/config-tables.js';
import { centre, renderTable } from '../../src/cli/output/table.js';
import { ORIGINAL_SERVICE_KEYS, serviceConfig } from '../helpers/services.js';

test("centre() is Python's str.center (odd margins go left only for odd widths)", () => {
  // Values computed with CPython: 'True'.center(11), 'url'.center(34), '15'.center(7), 'GET'.center(6).
  assert.equal(centre('True', 11), '    True   ');
  assert.equal(centre('url', 34), `${' '.repeat(15)}url${' '.repeat(16)}`);
  assert.equal(centre('15', 7), '   15  ');
  assert.equal(centre('GET', 6), ' GET  ');
  assert.equal(centre('№', 3), ' № ');
});

test('renderTable draws prettytable borders', () => {
  assert.equal(
    renderTable(['a', 'bb'], [['x', 'line\nbreak']]),
    [
      '+---+-------------+',
      '| a |      bb     |',
      '+---+-------------+',
      '| x | line\\nbreak |',
      '+---+-------------+',
    ].join('\n'),
  );
});

test('databases table masks the password', () => {
  const table = databasesTable({
    local_database_path: '/var/db.sqlite3',
    external_database_uri: 'postgresql://test:1234567890@127.0.0.1:5432/test',
    services: [],
  });
  assert.ok(table.includes('postgresql://test:****@127.0.0.1:5432/test'));
  assert.ok(!table.includes('1234567890'));
  assert.match(
    databasesTable({ local_database_path: '/x', external_database_uri: null, services: [] }),
    /\|\s+None\s+\|/,
  );
});

test('addition columns appear only when a service uses them', () => {
  const plain = serviceConfig('http://a/', { timeout: 15 });
  const header = (t: string) =>
    t
      .split('\n')[1]
      ?.split('|')
      .map((c) => c.trim())
      .filter(Boolean);
  assert.deepEqual(header(servicesTable([plain])), ORIGINAL_SERVICE_KEYS);
  const table = servicesTable([plain, { ...plain, url: 'http://b/', cron: '0 * * * *', tls_verify: false }], {
    numbered: true,
  });
  assert.deepEqual(header(table), ['№', ...ORIGINAL_SERVICE_KEYS, 'cron', 'tls_verify']);
  assert.match(table, /\| 1 \| http:\/\/b\/ .*\| 0 \* \* \* \* \| {3}False {4}\|/);
  assert.equal(pythonValue(undefined), 'None');
});
