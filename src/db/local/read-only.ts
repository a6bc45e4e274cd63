import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { LocalDatabaseError, toError } from '../../errors.js';

/**
 * A read-only connection to the local database for the CLI's views (`monitor status`): never
 * creates the file, never migrates, and in WAL mode reads beside a running daemon without holding
 * it up. Null when there is no file yet.
 */
export function openLocalReadOnly(path: string): Database.Database | null {
  if (!existsSync(path)) return null;
  try {
    const sqlite = new Database(path, { readonly: true, fileMustExist: true });
    sqlite.pragma('busy_timeout = 5000');
    return sqlite;
  } catch (e) {
    throw new LocalDatabaseError(`cannot open local database ${path}: ${toError(e).message}`, { cause: e });
  }
}

/** Whether the live view's tables are there (a database from before migration 0005 has none). */
export function hasRollupTables(sqlite: Database.Database): boolean {
  const n = sqlite
    .prepare(
      "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('rollups', 'service_status', 'incidents')",
    )
    .pluck()
    .get() as number;
  return n === 3;
}
