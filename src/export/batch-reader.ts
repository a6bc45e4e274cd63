import { insertParams } from '../db/remote/insert.js';
import type { ExportSource } from '../queue/store.js';
import type { ProbeResult } from '../results/types.js';
import { local } from './escape.js';

export interface Batch {
  rows: ProbeResult[];
  /** The statement's parameters, when already built. */
  params?: string[];
  at: number;
}

const PREFETCH_MAX_AGE_MS = 1000;

/**
 * The batches to export. Draining a backlog, the next batch is read from SQLite while PostgreSQL
 * inserts the current one: the two run on different cores, which is worth ~1.5x in the export
 * benchmark. It is the batch the next call's select would return (the oldest unexported rows after
 * those in flight; export is single-flight), used only by a call that comes soon after and only if
 * this batch went through cleanly. A row set aside or dropped locally meanwhile at worst arrives
 * remotely once.
 */
export class BatchReader {
  /** The batch read ahead, kept for the next call. */
  prefetched: Batch | null = null;

  constructor(
    private readonly source: ExportSource,
    private readonly batchSize: number,
  ) {}

  /** The batch read ahead if it is fresh, else the oldest unexported rows. */
  take(): Batch {
    const ready = this.prefetched;
    this.prefetched = null;
    if (ready && Date.now() - ready.at <= PREFETCH_MAX_AGE_MS) return ready;
    return { rows: local(() => this.source.selectUnexported(this.batchSize)), at: Date.now() };
  }

  /** The batch after the rows in flight. */
  after(inFlightRows: readonly ProbeResult[]): Batch {
    // After the last row in flight (rows come in insertion order), rather than reading both
    // batches and dropping the first: during a drain that was half of all it allocated.
    const last = inFlightRows.at(-1);
    const rows = last === undefined ? [] : local(() => this.source.selectUnexported(this.batchSize, last.id));
    return { rows, params: insertParams(rows), at: Date.now() };
  }
}
