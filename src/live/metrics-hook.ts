import type { RecordHook } from '../queue/store.js';
import type { ProbeResult } from '../results/types.js';

/** The last probed result of a service and since when the service is in its state. */
export interface LastResult {
  result: ProbeResult;
  /** finishedAt of the first result of the current state run (this process's view). */
  since: number;
}

/**
 * A RecordHook that keeps the last result of each service in memory for /metrics and the
 * stand-in status source: no SQL, one map entry per service. Results are staged in the
 * transaction and applied only when it commits, so a rolled-back batch never shows. Missed slots
 * (state 'unknown': nothing was probed) leave the last real result in place.
 */
export class LastResults implements RecordHook {
  private readonly last = new Map<string, LastResult>();
  private staged: ProbeResult[] = [];
  private changes = 0;

  mark(): void {}

  recorded(result: ProbeResult): void {
    if (result.state !== 'unknown') this.staged.push(result);
  }

  committed(): void {
    for (const r of this.staged) {
      const had = this.last.get(r.serviceKey);
      // A batch may hold an older slot after a newer one (retries, a backlog): keep the newest.
      if (had && had.result.scheduledAt > r.scheduledAt) continue;
      const since = had && had.result.state === r.state ? had.since : r.finishedAt;
      this.last.set(r.serviceKey, { result: r, since });
    }
    if (this.staged.length > 0) this.changes++;
    this.staged = [];
  }

  rolledBack(): void {
    this.staged = [];
  }

  get(key: string): LastResult | undefined {
    return this.last.get(key);
  }

  /** Grows by one per committed batch that changed anything: lets readers cache. */
  get version(): number {
    return this.changes;
  }

  /** Forget services no longer configured (on reload), so their series disappear. */
  retain(keys: ReadonlySet<string>): void {
    for (const key of this.last.keys()) if (!keys.has(key)) this.last.delete(key);
    this.changes++;
  }

  values(): IterableIterator<LastResult> {
    return this.last.values();
  }
}
