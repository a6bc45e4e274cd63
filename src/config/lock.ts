import { randomBytes } from 'node:crypto';
import { closeSync, linkSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { ConfigError, errorCode, MonitorError } from '../errors.js';

/**
 * An exclusive lock around a config file's read-modify-write, so that concurrent `monitor config`
 * commands never lose each other's changes. Node has no flock: the lock is `<config>.lock`, made
 * by hard-linking a file that already holds our pid (so the lock never exists without its pid,
 * and link fails atomically when it exists). A lock whose pid is dead (a writer killed mid-edit)
 * is taken over.
 */

/** How long a writer waits for the lock, in ms. */
export const CONFIG_LOCK_TIMEOUT_MS = 5_000;
const POLL_MS = 15;

export interface ConfigLockOptions {
  /** How long to wait for another writer, in ms. Default CONFIG_LOCK_TIMEOUT_MS (5000). */
  timeoutMs?: number;
}

export function lockPathOf(configPath: string): string {
  return `${configPath}.lock`;
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function readPid(path: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errorCode(err) === 'EPERM';
  }
}

function tryAcquire(lockPath: string): boolean {
  const tmp = `${lockPath}.${process.pid}.${randomBytes(4).toString('hex')}`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, `${process.pid}\n`);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, lockPath);
    return true;
  } catch (err) {
    if (errorCode(err) === 'EEXIST') return false;
    throw err;
  } finally {
    unlinkSync(tmp);
  }
}

/**
 * Remove the lock if its holder is dead. It is first renamed aside (atomic: only one taker wins);
 * if what was moved is not the dead holder's lock after all, it is put back.
 */
function breakIfStale(lockPath: string, holder: number): void {
  const aside = `${lockPath}.${process.pid}.${randomBytes(4).toString('hex')}.stale`;
  try {
    renameSync(lockPath, aside);
  } catch {
    return;
  }
  try {
    if (readPid(aside) !== holder) linkSync(aside, lockPath);
  } catch {
    // A new lock was made meanwhile: that one stands.
  } finally {
    unlinkSync(aside);
  }
}

/**
 * Run `fn` holding the config's lock, and release it after; the config's directory must exist
 * (ensureConfigDir). A writer that cannot get the lock in
 * `timeoutMs` fails with E_CONFIG_BUSY (exit 1) and changes nothing.
 */
export function withConfigLock<T>(configPath: string, fn: () => T, options: ConfigLockOptions = {}): T {
  const lockPath = lockPathOf(configPath);
  const deadline = Date.now() + (options.timeoutMs ?? CONFIG_LOCK_TIMEOUT_MS);
  for (;;) {
    let acquired: boolean;
    try {
      acquired = tryAcquire(lockPath);
    } catch (err) {
      throw new ConfigError(`cannot lock config ${configPath}: ${errorCode(err) ?? err}`);
    }
    if (acquired) break;
    const holder = readPid(lockPath);
    if (holder !== null && !alive(holder)) {
      breakIfStale(lockPath, holder);
      continue;
    }
    if (Date.now() >= deadline) {
      throw new MonitorError(
        'E_CONFIG_BUSY',
        `config ${configPath} is being changed by another process (pid ${holder ?? '?'} holds ${lockPath}); nothing was changed, try again`,
      );
    }
    sleepSync(POLL_MS + Math.floor(Math.random() * POLL_MS));
  }
  try {
    return fn();
  } finally {
    if (readPid(lockPath) === process.pid) {
      try {
        unlinkSync(lockPath);
      } catch {
        // Already gone.
      }
    }
  }
}
