import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import {
  type LocalDatabase,
  localMigrationsFolder,
  type OpenLocalDatabaseOptions,
  openLocalDatabase,
} from '../../../src/db/local/index.js';

/** A temp folder removed by the returned cleanup (register it with `t.after`). */
export function tempDir(prefix = 'monitor-local-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A local database at `<temp folder>/<name>`; closed and its folder removed when test `t` ends. */
export function openTemp(
  t: TestContext,
  name = 'monitor.db',
  options: OpenLocalDatabaseOptions = {},
): { ldb: LocalDatabase; path: string } {
  const { dir, cleanup } = tempDir();
  const path = join(dir, name);
  const ldb = openLocalDatabase(path, options);
  t.after(() => {
    ldb.close();
    cleanup();
  });
  return { ldb, path };
}

export function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

export function probePayload(serviceKey: string, scheduledAt: number) {
  return { serviceKey, scheduledAt, windowEndsAt: scheduledAt + 5000 };
}

interface Journal {
  entries: Array<{ idx: number; when: number; tag: string }>;
  [k: string]: unknown;
}

/** The shipped migration journal. */
export function migrationJournal(): Journal {
  return JSON.parse(readFileSync(join(localMigrationsFolder(), 'meta', '_journal.json'), 'utf8')) as Journal;
}

/** A copy of the migrations folder holding only the first `n` migrations: a database "of release n". */
export function folderUpTo(root: string, n: number): string {
  const folder = localMigrationsFolder();
  const journal = migrationJournal();
  const out = join(root, `upto-${n}`);
  mkdirSync(join(out, 'meta'), { recursive: true });
  const entries = journal.entries.slice(0, n);
  for (const e of entries) copyFileSync(join(folder, `${e.tag}.sql`), join(out, `${e.tag}.sql`));
  writeFileSync(join(out, 'meta', '_journal.json'), JSON.stringify({ ...journal, entries }));
  return out;
}
