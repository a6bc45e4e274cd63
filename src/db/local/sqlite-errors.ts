import { errorCode } from '../../errors.js';

/** SQLITE_FULL: the disk (or `max_page_count`) is full. better-sqlite3 puts the code on the error. */
export function isDiskFull(err: unknown): boolean {
  const code = errorCode(err);
  return code === 'SQLITE_FULL' || code?.startsWith('SQLITE_FULL_') === true;
}

/** SQLITE_BUSY or SQLITE_LOCKED (and their extended codes): someone else holds the lock. */
export function isBusy(err: unknown): boolean {
  const code = errorCode(err);
  return code !== undefined && /^SQLITE_(BUSY|LOCKED)(_|$)/.test(code);
}
