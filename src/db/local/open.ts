import { closeSync, mkdirSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { type BetterSQLite3Database, drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { errorCode, LocalDatabaseError, toError } from '../../errors.js';
import { type Logger, silentLogger } from '../../log/logger.js';
import { type BackgroundCheckpoints, startBackgroundCheckpoints } from './checkpointer.js';
import { localMigrationsFolder } from './migrations-folder.js';
import { localSchema, OWN_TABLES } from './schema.js';

export type LocalDrizzle = BetterSQLite3Database<typeof localSchema>;

export interface LocalDatabase {
  /** The raw connection: hot paths use its prepared statements directly. */
  sqlite: Database.Database;
  db: LocalDrizzle;
  /** Absolute path of the database file. */
  path: string;
  logger: Logger;
  /** A worker thread checkpoints the WAL (openLocalDatabase's backgroundCheckpoints). */
  checkpointsInBackground: boolean;
  /** Closes the connection (SQLite checkpoints the WAL on the last close). Safe to call twice. */
  close(): void;
}

export interface OpenLocalDatabaseOptions {
  /** Default: a silent logger. */
  logger?: Logger;
  /** Where the migrations are. Default: drizzle/local of this package (tests point it elsewhere). */
  migrationsFolder?: string;
  /**
   * Checkpoint the WAL from a worker thread (see checkpointer.ts), stopped by close(). Default
   * false; the daemon and the benchmarks want it on.
   */
  backgroundCheckpoints?: boolean;
  /**
   * A hard cap on the database file, in pages (SQLite's `max_page_count`): past it every write
   * fails with SQLITE_FULL, exactly as on a full disk. Default: no cap (SQLite's own limit).
   */
  maxPageCount?: number;
}

const MIGRATIONS_TABLE = '__drizzle_migrations';
const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');
/** SQLite's bookkeeping tables, present in any database that used AUTOINCREMENT or ANALYZE. */
const isSqliteInternal = (name: string): boolean => name.startsWith('sqlite_');

/**
 * Open (creating if needed) the local database, set its pragmas and apply pending migrations.
 * A file that is not a SQLite database, is corrupt, or belongs to someone else is refused with a
 * LocalDatabaseError and left exactly as it was.
 */
export function openLocalDatabase(path: string, opts: OpenLocalDatabaseOptions = {}): LocalDatabase {
  const logger = opts.logger ?? silentLogger();
  const file = resolve(path);
  ensureFile(file);

  let sqlite: Database.Database;
  try {
    sqlite = new Database(file, { fileMustExist: true });
  } catch (e) {
    throw new LocalDatabaseError(`cannot open local database ${file}: ${toError(e).message}`, { cause: e });
  }
  try {
    const tables = inspectTables(sqlite, file);
    refuseForeign(tables, file);
    // Must happen before the first table exists: afterwards it only changes with a full VACUUM.
    if (tables.length === 0) sqlite.pragma('auto_vacuum = INCREMENTAL');
    const mode = sqlite.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal') logger.warn({ path: file, mode }, 'local database is not in WAL mode');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('foreign_keys = ON');
    if (opts.maxPageCount !== undefined) {
      if (!Number.isSafeInteger(opts.maxPageCount) || opts.maxPageCount < 1) {
        throw new LocalDatabaseError(
          `maxPageCount must be a positive whole number, got ${opts.maxPageCount}`,
        );
      }
      sqlite.pragma(`max_page_count = ${opts.maxPageCount}`);
    }

    const migrationsFolder = opts.migrationsFolder ?? localMigrationsFolder();
    refuseNewer(sqlite, tables, migrationsFolder, file);
    const db = drizzle(sqlite, { schema: localSchema });
    try {
      migrate(db, { migrationsFolder, migrationsTable: MIGRATIONS_TABLE });
    } catch (e) {
      throw new LocalDatabaseError(`cannot migrate local database ${file}: ${toError(e).message}`, {
        cause: e,
      });
    }
    if (sqlite.pragma('auto_vacuum', { simple: true }) !== 2) {
      logger.warn({ path: file }, 'local database was created without incremental auto-vacuum');
    }

    let closed = false;
    let checkpoints: BackgroundCheckpoints | null = null;
    const ldb: LocalDatabase = {
      sqlite,
      db,
      path: file,
      logger,
      checkpointsInBackground: opts.backgroundCheckpoints === true,
      close() {
        if (closed) return;
        closed = true;
        checkpoints?.stop();
        try {
          sqlite.pragma('optimize');
        } catch {
          // Best effort: a full disk or a read-only file must not stop the close.
        }
        sqlite.close();
      },
    };
    if (opts.backgroundCheckpoints) checkpoints = startBackgroundCheckpoints(ldb);
    return ldb;
  } catch (e) {
    sqlite.close();
    if (e instanceof LocalDatabaseError) throw e;
    throw new LocalDatabaseError(`cannot use local database ${file}: ${toError(e).message}`, { cause: e });
  }
}

/** Creates the parent folder and an empty 0600 file, or checks that what is there looks like SQLite. */
function ensureFile(file: string): void {
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new LocalDatabaseError(
      `cannot create the folder of local database ${file}: ${toError(e).message}`,
      {
        cause: e,
      },
    );
  }
  try {
    // 'wx': never opens (let alone truncates) an existing file.
    closeSync(openSync(file, 'wx', 0o600));
    return;
  } catch (e) {
    if (errorCode(e) !== 'EEXIST') {
      throw new LocalDatabaseError(`cannot create local database ${file}: ${toError(e).message}`, {
        cause: e,
      });
    }
  }
  const st = statSync(file);
  if (!st.isFile()) throw new LocalDatabaseError(`local database path ${file} is not a regular file`);
  if (st.size === 0) return; // SQLite treats an empty file as an empty database.
  const head = Buffer.alloc(100);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  if (!head.subarray(0, SQLITE_HEADER.length).equals(SQLITE_HEADER)) {
    throw new LocalDatabaseError(
      `local database ${file} is not a SQLite database (no SQLite header); refusing to touch it`,
    );
  }
  // A truncated file reads fine until the first missing page; the header says how long it must be.
  const rawPageSize = head.readUInt16BE(16);
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
  const pages = head.readUInt32BE(28);
  const sizeIsValid = head.readUInt32BE(24) === head.readUInt32BE(92);
  if (sizeIsValid && pages > 0 && st.size < pages * pageSize) {
    throw new LocalDatabaseError(
      `local database ${file} is corrupt (truncated: ${st.size} bytes, its header says ${pages * pageSize}); refusing to touch it`,
    );
  }
}

function inspectTables(sqlite: Database.Database, file: string): string[] {
  try {
    const rows = sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as {
      name: string;
    }[];
    return rows.map((r) => r.name);
  } catch (e) {
    throw new LocalDatabaseError(`local database ${file} is unreadable or corrupt: ${toError(e).message}`, {
      cause: e,
    });
  }
}

function refuseForeign(tables: readonly string[], file: string): void {
  const user = tables.filter((t) => !isSqliteInternal(t));
  if (user.length === 0 || user.includes(MIGRATIONS_TABLE)) {
    const foreign = user.filter((t) => t !== MIGRATIONS_TABLE && !OWN_TABLES.includes(t));
    if (foreign.length === 0) return;
    throw new LocalDatabaseError(
      `local database ${file} holds tables that are not monitor's (${foreign.join(', ')}); refusing to touch it`,
    );
  }
  throw new LocalDatabaseError(
    `local database ${file} is another application's SQLite database (tables: ${user.slice(0, 5).join(', ')}${
      user.length > 5 ? ', …' : ''
    }); refusing to touch it`,
  );
}

/** A database migrated by a newer monitor would silently skip nothing but may not match our code. */
function refuseNewer(
  sqlite: Database.Database,
  tables: readonly string[],
  folder: string,
  file: string,
): void {
  if (!tables.includes(MIGRATIONS_TABLE)) return;
  const journal = JSON.parse(readFileSync(join(folder, 'meta', '_journal.json'), 'utf8')) as {
    entries: { when: number }[];
  };
  const newestKnown = Math.max(0, ...journal.entries.map((e) => e.when));
  const row = sqlite.prepare(`SELECT max(created_at) AS last FROM ${MIGRATIONS_TABLE}`).get() as {
    last: number | null;
  };
  if (row.last !== null && Number(row.last) > newestKnown) {
    throw new LocalDatabaseError(
      `local database ${file} was migrated by a newer version of monitor; upgrade monitor to use it`,
    );
  }
}
