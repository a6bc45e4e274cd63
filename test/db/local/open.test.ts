import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { openLocalDatabase } from '../../../src/db/local/index.js';
import { LocalDatabaseError } from '../../../src/errors.js';
import { sha256, tempDir } from './fixtures.js';

test('creates the parent folder and a 0600 file, with the pragmas set and the schema migrated', (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const path = join(dir, 'nested', 'deeper', 'monitor.db');
  const ldb = openLocalDatabase(path);
  t.after(() => ldb.close());
  assert.equal(statSync(path).mode & 0o777, 0o600);
  ldb.sqlite.prepare("INSERT INTO counters (name, value) VALUES ('x', 1)").run();
  // SQLite gives its WAL and shared-memory files the database file's mode.
  assert.equal(statSync(`${path}-wal`).mode & 0o777, 0o600);
  assert.equal(statSync(`${path}-shm`).mode & 0o777, 0o600);
  const p = (name: string) => ldb.sqlite.pragma(name, { simple: true });
  assert.equal(p('journal_mode'), 'wal');
  assert.equal(p('synchronous'), 1); // NORMAL
  assert.equal(p('busy_timeout'), 5000);
  assert.equal(p('auto_vacuum'), 2); // INCREMENTAL
  assert.equal(p('foreign_keys'), 1);
  const tables = ldb.sqlite
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    .pluck()
    .all();
  assert.deepEqual(tables, [
    '__drizzle_migrations',
    'counters',
    'deliveries',
    'incidents',
    'jobs',
    'results',
    'rollups',
    'service_health',
    'service_status',
    'sqlite_sequence',
  ]);
});

test('reopening keeps the data and the pragmas, whatever the current directory', (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const path = join(dir, 'monitor.db');
  const first = openLocalDatabase(path);
  first.sqlite.prepare("INSERT INTO counters (name, value) VALUES ('x', 7)").run();
  first.close();
  first.close(); // idempotent
  const cwd = process.cwd();
  process.chdir(dir); // migrations are found from the module's location, not from here
  t.after(() => process.chdir(cwd));
  const again = openLocalDatabase(path);
  t.after(() => again.close());
  assert.equal(again.sqlite.prepare("SELECT value FROM counters WHERE name = 'x'").pluck().get(), 7);
  assert.equal(again.sqlite.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(again.sqlite.pragma('busy_timeout', { simple: true }), 5000);
});

/** Each case: a file that must be refused with a clear error and left byte-for-byte as it was. */
const refusals: { name: string; make: (path: string) => void; reason: RegExp }[] = [
  {
    name: 'a text file',
    make: (p) => writeFileSync(p, 'these are my notes, not a database\n'),
    reason: /not a SQLite database/,
  },
  {
    name: 'random bytes',
    make: (p) => writeFileSync(p, randomBytes(64 * 1024)),
    reason: /not a SQLite database/,
  },
  {
    name: "another application's SQLite database",
    make: (p) => {
      const db = new Database(p);
      db.exec(
        "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers VALUES (1, 'a')",
      );
      db.close();
    },
    reason: /another application's SQLite database \(tables: customers\)/,
  },
  {
    name: 'one of ours with a foreign table added',
    make: (p) => {
      openLocalDatabase(p).close();
      const db = new Database(p);
      db.exec('CREATE TABLE extra (x)');
      db.close();
    },
    reason: /tables that are not monitor's \(extra\)/,
  },
  {
    name: 'one of ours cut in half',
    make: (p) => {
      const ldb = openLocalDatabase(p);
      const fill = ldb.sqlite.prepare('INSERT INTO counters (name, value) VALUES (?, ?)');
      for (let i = 0; i < 2000; i++) fill.run(`counter-${i}-${'x'.repeat(100)}`, i);
      ldb.close();
      truncateSync(p, Math.floor(statSync(p).size / 2));
    },
    reason: /corrupt \(truncated/,
  },
  {
    name: 'one of ours with its first page corrupted',
    make: (p) => {
      openLocalDatabase(p).close();
      const bytes = readFileSync(p);
      randomBytes(4096 - 100).copy(bytes, 100); // keep the 100-byte header, garble the schema page
      writeFileSync(p, bytes);
    },
    reason: /unreadable or corrupt|cannot use local database/,
  },
];

for (const c of refusals) {
  test(`refuses ${c.name} and leaves it untouched`, (t) => {
    const { dir, cleanup } = tempDir();
    t.after(cleanup);
    const path = join(dir, 'monitor.db');
    c.make(path);
    const before = sha256(path);
    const sizeBefore = statSync(path).size;
    assert.throws(
      () => openLocalDatabase(path),
      (e: unknown) => {
        assert.ok(e instanceof LocalDatabaseError, String(e));
        assert.equal(e.code, 'E_LOCAL_DB');
        assert.ok(e.message.includes(path), e.message);
        assert.match(e.message, c.reason);
        return true;
      },
    );
    assert.equal(sha256(path), before);
    assert.equal(statSync(path).size, sizeBefore);
  });
}

test('a directory at the path is refused', (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const path = join(dir, 'monitor.db');
  mkdirSync(path);
  assert.throws(() => openLocalDatabase(path), /not a regular file/);
  assert.ok(statSync(path).isDirectory());
});

test('a database migrated by a newer version is refused, not downgraded', (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const path = join(dir, 'monitor.db');
  openLocalDatabase(path).close();
  const raw = new Database(path);
  raw
    .prepare('INSERT INTO __drizzle_migrations (hash, created_at) VALUES (?, ?)')
    .run('future', 4_102_444_800_000);
  raw.close();
  const before = sha256(path);
  assert.throws(() => openLocalDatabase(path), /newer version of monitor/);
  assert.equal(sha256(path), before);
  assert.ok(existsSync(path));
});
