import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readConfig } from '../../src/config/file.js';

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

test('runner, export and buffer settings are checked when the file is read', () => {
  const dir = mkdtempSync(join(tmpdir(), 'settings-'));
  try {
    const path = join(dir, 'cfg');
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ runner: { concurrency: 0 } }, /runner\.concurrency must be a positive whole number, got 0/],
      [{ runner: { per_origin: 2.5 } }, /runner\.per_origin/],
      [{ export: { batch_size: -1 } }, /export\.batch_size/],
      [{ export: { table: 'monitoring; drop table x' } }, /export\.table must be a plain identifier/],
      [{ export: { schema: '1abc' } }, /export\.schema/],
      [{ buffer: { max_rows: 'many' } }, /buffer\.max_rows/],
    ];
    for (const [extra, message] of cases) {
      writeFileSync(path, JSON.stringify({ ...base, ...extra }));
      assert.throws(() => readConfig(path), message);
    }
    writeFileSync(
      path,
      JSON.stringify({ ...base, runner: { concurrency: 64, per_origin: 4 }, export: { table: 'm2' } }),
    );
    assert.equal(readConfig(path).runner?.per_origin, 4);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
