/**
 * The daemon's two checks of the local buffer: the row limit (buffer.max_rows), enforced every few
 * seconds, and the results a full disk cost, counted at shutdown.
 */
import { enforceBufferLimit, type LocalDatabase, type LocalJobStore } from '../db/local/index.js';
import { toError } from '../errors.js';
import type { Logger } from '../log/logger.js';

/** Results lost while the disk was full are counted by the next write; at shutdown, now. */
export function countDiskFullDrops(store: LocalJobStore, log: Logger): void {
  try {
    const unsaved = store.saveDiskFullDrops();
    if (unsaved > 0) {
      log.error(
        { module: 'monitoring', lost: unsaved },
        `${unsaved} results lost while the local database was full are not in its disk_full_dropped counter (still full)`,
      );
    }
  } catch (err) {
    log.error({ module: 'monitoring', err: toError(err) }, 'could not save the disk_full_dropped counter');
  }
}

/** Drops the oldest unexported results over `maxRows`, saying so once per check that dropped any. */
export function checkBufferLimit(ldb: LocalDatabase, maxRows: number, log: Logger): void {
  try {
    const dropped = enforceBufferLimit(ldb, { maxRows });
    if (dropped > 0) {
      log.warn(
        { module: 'buffer', dropped, maxRows },
        `Local buffer limit of ${maxRows} unexported results reached: dropped the ${dropped} oldest.`,
      );
    }
  } catch (err) {
    log.error({ module: 'buffer', err: toError(err).message }, 'buffer limit check failed');
  }
}
