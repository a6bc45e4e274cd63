import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { LocalDatabaseError, LockedError, toError } from '../../errors.js';
import { isBusy } from './sqlite-errors.js';

export interface InstanceLock {
  /** The sidecar file holding the lock. */
  readonly lockPath: string;
  /** Give the lock up (idempotent). Process death gives it up too. */
  release(): void;
}

/**
 * Held locks, so that a caller who drops the InstanceLock object cannot have the connection (and
 * with it the lock) closed by the garbage collector.
 */
const held = new Set<Database.Database>();

/**
 * One `monitor start` per local database. The lock is an exclusive SQLite transaction on a sidecar
 * file (`<db>.lock`): SQLite holds it with POSIX advisory locks, which the kernel drops when the
 * process dies, so a SIGKILLed holder never leaves a stale lock behind. The holder's pid is
 * written to `<db>.lock.pid` only for the message a second process shows.
 */
export function acquireInstanceLock(dbPath: string): InstanceLock {
  const file = resolve(dbPath);
  const lockPath = `${file}.lock`;
  const pidPath = `${lockPath}.pid`;
  let conn: Database.Database;
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
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

  let released = false;
  return {
    lockPath,
    release() {
      if (released) return;
      released = true;
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
    },
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
