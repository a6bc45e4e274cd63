import {
  closeSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { errorCode, LocalDatabaseError, LockedError, toError } from '../../errors.js';
import { isBusy } from './sqlite-errors.js';

export interface InstanceLock {
  /** The sidecar file holding the lock by path (`<real path of the database>.lock`). */
  readonly lockPath: string;
  /** The sidecar file holding the lock by identity (`.monitor-<dev>-<ino>.lock` beside the database). */
  readonly identityLockPath: string;
  /** The database file's real path (symlinks resolved): open SQLite on this name, no other. */
  readonly databasePath: string;
  /** Give the lock up (idempotent). Process death gives it up too. */
  release(): void;
}

/**
 * Held locks, so that a caller who drops the InstanceLock object cannot have the connection (and
 * with it the lock) closed by the garbage collector.
 */
const held = new Set<Database.Database>();

/**
 * One `monitor start` per local database file, whatever name reaches it. Each lock is an exclusive
 * SQLite transaction on a sidecar file: SQLite holds it with POSIX advisory locks, which the kernel
 * drops when the process dies, so a SIGKILLed holder never leaves a stale lock behind. The holder's
 * pid is written to `<lock>.pid` only for the message a second process shows.
 *
 * Several locks, because a path string is not a file: `<real path>.lock` catches the same name and
 * any symlink to it (and a file replaced under a running daemon); `.monitor-<dev>-<ino>.lock` beside
 * the real file catches a hard link in the same folder, and the same name in a per-user folder of
 * the temp dir catches a hard link in another folder. Two daemons on one file would each keep their
 * own `-wal`/`-shm` (SQLite names them from the path) and corrupt it.
 */
export function acquireInstanceLock(dbPath: string): InstanceLock {
  const file = ensureDatabaseFile(resolve(dbPath));
  const { dev, ino } = statSync(file);
  const lockPath = `${file}.lock`;
  const identity = `.monitor-${dev}-${ino}.lock`;
  const identityLockPath = join(dirname(file), identity);
  const paths = [lockPath, identityLockPath];
  const shared = sharedLockFolder();
  if (shared !== null) paths.push(join(shared, identity));
  const releases: Array<() => void> = [];
  try {
    for (const p of paths) releases.push(lockOne(p, file));
  } catch (e) {
    for (const r of releases.reverse()) r();
    throw e;
  }
  let released = false;
  return {
    lockPath,
    identityLockPath,
    databasePath: file,
    release() {
      if (released) return;
      released = true;
      for (const r of releases.reverse()) r();
    },
  };
}

/**
 * A folder every process of this user sees, for the identity lock of a database whose hard links
 * live in different folders. Null when it cannot be made ours (the two locks beside the file hold).
 */
function sharedLockFolder(): string | null {
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  const folder = join(tmpdir(), `monitor-locks-${uid}`);
  try {
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    const st = lstatSync(folder);
    // In a shared /tmp, a folder someone else made (or a symlink) is not a place to trust.
    if (!st.isDirectory() || st.uid !== uid || (st.mode & 0o077) !== 0) return null;
    return folder;
  } catch {
    return null;
  }
}

/** Creates the database file (0600) if missing, so it has an identity to lock; returns its real path. */
function ensureDatabaseFile(file: string): string {
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    closeSync(openSync(file, 'wx', 0o600));
  } catch (e) {
    if (errorCode(e) !== 'EEXIST') {
      throw new LocalDatabaseError(`cannot create local database ${file}: ${toError(e).message}`, {
        cause: e,
      });
    }
  }
  try {
    return realpathSync(file);
  } catch (e) {
    throw new LocalDatabaseError(`cannot resolve local database ${file}: ${toError(e).message}`, {
      cause: e,
    });
  }
}

/** Takes one sidecar lock; returns its release. */
function lockOne(lockPath: string, file: string): () => void {
  const pidPath = `${lockPath}.pid`;
  let conn: Database.Database;
  try {
    closeSync(openSync(lockPath, 'a', 0o600)); // create it 0600 (SQLite would use the umask)
    conn = new Database(lockPath);
  } catch (e) {
    throw new LocalDatabaseError(`cannot open lock file ${lockPath}: ${toError(e).message}`, { cause: e });
  }
  try {
    conn.pragma('busy_timeout = 0');
    conn.pragma('locking_mode = EXCLUSIVE');
    conn.exec('BEGIN EXCLUSIVE');
  } catch (e) {
    conn.close();
    if (isBusy(e)) {
      throw new LockedError(
        `local database ${file} is in use by another monitor process (${describeHolder(pidPath)}); ` +
          'stop it first or use another local_database_path',
      );
    }
    throw new LocalDatabaseError(`cannot lock ${lockPath}: ${toError(e).message}`, { cause: e });
  }
  held.add(conn);
  try {
    writeFileSync(pidPath, `${process.pid}\n`, { mode: 0o600 });
  } catch {
    // The pid only improves the other process's message; the lock itself is held.
  }
  return () => {
    try {
      if (readFileSync(pidPath, 'utf8').trim() === String(process.pid)) rmSync(pidPath, { force: true });
    } catch {
      // Already gone.
    }
    try {
      conn.exec('ROLLBACK');
    } catch {
      // Nothing to roll back: closing releases the lock regardless.
    }
    conn.close();
    held.delete(conn);
  };
}

function describeHolder(pidPath: string): string {
  try {
    const pid = Number.parseInt(readFileSync(pidPath, 'utf8').trim(), 10);
    if (Number.isInteger(pid) && pid > 0) return `pid ${pid}`;
  } catch {
    // The holder may be between taking the lock and writing its pid.
  }
  return 'pid unknown';
}
