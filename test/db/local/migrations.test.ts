import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { localMigrationsFolder, openLocalDatabase } from '../../../src/db/local/index.js';
import { folderUpTo, tempDir } from './fixtures.js';

interface Journal {
  entries: { idx: number; when: number; tag: string }[];
  [k: string]: unknown;
}

const folder = localMigrationsFolder();
const journal = JSON.parse(readFileSync(join(folder, 'meta', '_journal.json'), 'utf8')) as Journal;

test('migration journal timestamps strictly increase (the migrator skips older ones silently)', () => {
  assert.ok(journal.entries.length >= 1);
  for (let i = 1; i < journal.entries.length; i++) {
    const prev = journal.entries[i - 1]!;
    const cur = journal.entries[i]!;
    assert.ok(cur.when > prev.when, `${cur.tag} (${cur.when}) is not after ${prev.tag} (${prev.when})`);
    assert.equal(cur.idx, prev.idx + 1);
  }
});

test('every journal entry has its SQL file and every SQL file is in the journal', () => {
  const sqlFiles = readdirSync(folder)
    .filter((f) => f.endsWith('.sql'))
    .sort();
  assert.deepEqual(sqlFiles, journal.entries.map((e) => `${e.tag}.sql`).sort());
});

test('the migrations contain no PRAGMA (it would do nothing inside the migrator transaction)', () => {
  for (const e of journal.entries) {
    assert.doesNotMatch(readFileSync(join(folder, `${e.tag}.sql`), 'utf8'), /\bPRAGMA\b/i, e.tag);
  }
});

/** The migrations folder cut after its first `n` entries: the state of an older release. */
function schemaOf(path: string): unknown[] {
  const db = new Database(path, { readonly: true });
  try {
    return db
      .prepare(
        "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_autoindex_%' ORDER BY type, name",
      )
      .all();
  } finally {
    db.close();
  }
}

test('a fresh database and one upgraded through every migration end with the same schema', (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const fresh = join(dir, 'fresh.db');
  openLocalDatabase(fresh).close();

  const upgraded = join(dir, 'upgraded.db');
  for (let n = 1; n <= journal.entries.length; n++) {
    const ldb = openLocalDatabase(upgraded, { migrationsFolder: folderUpTo(dir, n) });
    // Data written by every release must survive the later migrations.
    ldb.sqlite.prepare('INSERT INTO counters (name, value) VALUES (?, ?)').run(`release-${n}`, n);
    ldb.close();
  }
  openLocalDatabase(upgraded).close();

  assert.ok(existsSync(upgraded));
  assert.deepEqual(schemaOf(upgraded), schemaOf(fresh));
  const db = new Database(upgraded, { readonly: true });
  t.after(() => db.close());
  assert.equal(db.prepare('SELECT count(*) FROM counters').pluck().get(), journal.entries.length);
  assert.equal(db.prepare('SELECT count(*) FROM __drizzle_migrations').pluck().get(), journal.entries.length);
  assert.equal(db.pragma('auto_vacuum', { simple: true }), 2);
});
