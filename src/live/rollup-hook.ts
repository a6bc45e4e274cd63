import type Database from 'better-sqlite3';
import {
  bucketStart,
  createRollupWriter,
  type RollupDelta,
  type RollupRes,
  type StatusUpdate,
} from '../db/local/rollup-store.js';
import type { RecordHook } from '../queue/store.js';
import { bucketOf, HIST_BUCKETS } from '../results/latency-histogram.js';
import type { ProbeResult } from '../results/types.js';

/**
 * The live view's rollups as a RecordHook of the job store: results are summed in memory while a
 * transaction records them, and `flush` (the transaction's end) writes one row per service and
 * bucket, and one status per service — not a write per result. A rollback forgets the sums.
 *
 * - A result counts in the bucket of its scheduled slot (a minute's grid slots stay in it).
 * - A missed slot counts in `n` and `missed` only: nothing was probed, so it is not in uptime and
 *   does not change the service's state or last result.
 * - Latency counts only results that got a response (a status code): a timeout or a refused
 *   connection measures the deadline or the network, not the service.
 */
const RESOLUTIONS: readonly RollupRes[] = ['m', 'h', 'd'];

export function createRollupHook(sqlite: Database.Database): RecordHook {
  const writer = createRollupWriter(sqlite);
  let sums = new Map<string, RollupDelta>();
  let status = new Map<string, StatusUpdate>();

  function add(res: RollupRes, r: ProbeResult, missed: boolean, latency: number | null): void {
    const bucket = bucketStart(res, r.scheduledAt);
    const id = `${res}${bucket}\n${r.serviceKey}`;
    let d = sums.get(id);
    if (d === undefined) {
      d = {
        res,
        bucket,
        serviceKey: r.serviceKey,
        n: 0,
        up: 0,
        degraded: 0,
        down: 0,
        missed: 0,
        latSumMs: 0,
        latCount: 0,
        hist: new Array<number>(HIST_BUCKETS).fill(0),
      };
      sums.set(id, d);
    }
    d.n++;
    if (missed) d.missed++;
    else if (r.state === 'up') d.up++;
    else if (r.state === 'degraded') d.degraded++;
    else d.down++;
    if (latency !== null) {
      d.latSumMs += latency;
      d.latCount++;
      const b = bucketOf(latency);
      d.hist[b] = (d.hist[b] ?? 0) + 1;
    }
  }

  function track(r: ProbeResult): void {
    const s = status.get(r.serviceKey);
    const last = {
      lastAt: r.finishedAt,
      lastDurationMs: r.durationMs,
      lastStatusCode: r.statusCode,
      lastErrorClass: r.errorClass,
      lastResultId: r.id,
    };
    if (s === undefined) {
      status.set(r.serviceKey, {
        serviceKey: r.serviceKey,
        state: r.state,
        since: r.finishedAt,
        sameRun: true,
        ...last,
      });
      return;
    }
    if (r.finishedAt < s.lastAt) return;
    if (r.state !== s.state) {
      s.state = r.state;
      s.since = r.finishedAt;
      s.sameRun = false;
    }
    Object.assign(s, last);
  }

  function forget(): void {
    sums = new Map();
    status = new Map();
  }

  return {
    mark() {},
    recorded(r) {
      const missed = r.errorClass === 'missed' || r.state === 'unknown';
      const latency = !missed && r.statusCode !== null && r.durationMs !== null ? r.durationMs : null;
      for (const res of RESOLUTIONS) add(res, r, missed, latency);
      if (!missed) track(r);
    },
    flush() {
      for (const d of sums.values()) writer.addRollup(d);
      for (const s of status.values()) writer.setStatus(s);
      forget();
    },
    committed: forget,
    rolledBack: forget,
  };
}
