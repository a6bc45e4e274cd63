import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readConfig } from '../../src/config/file.js';
import { runMonitor } from '../helpers/cli.js';

const base = {
  local_database_path: '/tmp/x.sqlite3',
  external_database_uri: null,
  services: [
    {
      url: 'http://127.0.0.1:1/',
      method: 'GET',
      check_regex: false,
      regex: null,
      interval_sec: 5,
      timeout: 3,
    },
  ],
};

test('agent_location, fleet and remote are checked when the file is read', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-settings-'));
  try {
    const path = join(dir, 'cfg');
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ agent_location: 7 }, /agent_location must be 1-63 letters.*got 7$/],
      [{ agent_location: 'two words' }, /agent_location must be 1-63 letters.*got "two words"/],
      [{ fleet: 'share' }, /fleet must be an object/],
      [{ fleet: { mode: 'shard' } }, /fleet\.mode must be one of replicate, share, got "shard"/],
      [{ fleet: { pool: '' } }, /fleet\.pool must be 1-63 letters/],
      [{ fleet: { lease_seconds: 2 } }, /fleet\.lease_seconds must be between 5 and 3600 seconds, got 2/],
      [
        { fleet: { lease_seconds: 0 } },
        /fleet\.lease_seconds must be a positive whole number of seconds, got 0/,
      ],
      [{ fleet: { quorum: 0 } }, /fleet\.quorum must be a whole number of locations from 1 to 100/],
      [{ fleet: { quorum: 1.5 } }, /fleet\.quorum must be a whole number/],
      [
        { remote: { partition: 'hourly' } },
        /remote\.partition must be one of day, week, month, none, got "hourly"/,
      ],
      [{ remote: { partitions_ahead: 0 } }, /remote\.partitions_ahead must be a positive whole number/],
      [
        { remote: { retention_days: -1 } },
        /remote\.retention_days must be a whole number of days from 1 to 36500/,
      ],
      [
        { remote: { retention_days: 30, rollup_retention_days: 7 } },
        /remote\.rollup_retention_days \(7\) must not be shorter than remote\.retention_days \(30\)/,
      ],
    ];
    for (const [extra, message] of cases) {
      writeFileSync(path, JSON.stringify({ ...base, ...extra }));
      assert.throws(() => readConfig(path), message, JSON.stringify(extra));
    }
    const good = {
      ...base,
      agent_location: 'fra-office',
      fleet: { mode: 'share', pool: 'eu', lease_seconds: 30, quorum: null },
      remote: { partition: 'week', partitions_ahead: 2, retention_days: 30, rollup_retention_days: 400 },
    };
    writeFileSync(path, JSON.stringify(good));
    const read = readConfig(path);
    assert.equal(read.agent_location, 'fra-office');
    assert.deepEqual(read.fleet, good.fleet);
    assert.deepEqual(read.remote, good.remote);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('monitor start refuses a bad fleet section with one line, exit 2, the file unchanged', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-settings-'));
  try {
    const path = join(dir, 'cfg.json');
    const text = JSON.stringify({
      ...base,
      local_database_path: join(dir, 'db.sqlite3'),
      fleet: { mode: 'mirror' },
    });
    writeFileSync(path, text);
    const r = await runMonitor(['start', '--yes', '--config-path', path, '--no-http'], { home: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /fleet\.mode must be one of replicate, share, got "mirror"/);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.equal(readFileSync(path, 'utf8'), text);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
