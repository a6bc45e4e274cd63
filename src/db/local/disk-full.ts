import type Database from 'better-sqlite3';
import type { Logger } from '../../log/logger.js';
import { COUNTER } from './counters.js';
import { isDiskFull } from './sqlite-errors.js';

/**
 * The job store's results lost to SQLITE_FULL (LocalJobStore.diskFull, pendingDiskFullDrops and
 * saveDiskFullDrops). recordProbeResults drops a batch the full disk refuses, because losing
 * results must not stop probing; they are counted here, and added to the persisted counter in the
 * transaction of the next write that succeeds (or by save()).
 */
export class DiskFullDrops {
  /** True after a write failed with SQLITE_FULL and until one succeeds again. */
  full = false;
  /** Results lost to SQLITE_FULL and not yet added to the persisted counter. */
  pending = 0;

  constructor(
    /** INCREMENT_COUNTER_SQL, prepared. */
    private readonly incrementCounter: Database.Statement,
    private readonly logger: Logger,
    /** The database file, for the log lines. */
    private readonly path: string,
  ) {}

  /** In a write's transaction: adds the pending drops to the persisted counter. */
  countInTransaction(): void {
    if (this.pending > 0) this.incrementCounter.run(COUNTER.diskFullDropped, this.pending);
  }

  /** A write of `count` results failed with SQLITE_FULL. */
  lost(count: number): void {
    this.pending += count;
    if (!this.full) {
      this.full = true;
      this.logger.error(
        { path: this.path, lost: count },
        'local database is full (SQLITE_FULL): probe results are being dropped until space returns',
      );
    }
  }

  /** A write succeeded: its transaction counted the pending drops. */
  writable(): void {
    if (this.pending > 0 || this.full) {
      this.logger.warn(
        { path: this.path, lost: this.pending },
        `local database writable again; ${this.pending} results were lost while it was full`,
      );
      this.full = false;
      this.pending = 0;
    }
  }

  /** LocalJobStore.saveDiskFullDrops. */
  save(): number {
    if (this.pending === 0) return 0;
    try {
      this.incrementCounter.run(COUNTER.diskFullDropped, this.pending);
      this.pending = 0;
    } catch (e) {
      if (!isDiskFull(e)) throw e;
    }
    return this.pending;
  }
}
