/**
 * PostgreSQL outage under load: the daemon runs N services with the real exporter into an embedded
 * PostgreSQL; after `beforeSeconds` the server is stopped for `outageSeconds`, then started on the
 * same port and data. Reports:
 *   - whether probes stayed on time while it was down (executed/scheduled and start lag of the
 *     slots scheduled during the outage);
 *   - the backlog at restart and how long it took to drain (until the oldest waiting result is
 *     younger than `drainedLagMs`, the export-lag goal);
 *   - rows lost and duplicated: every result id the local database accepted during the run is
 *     recorded as it is written, and compared with PostgreSQL's local_id column once the daemon
 *     stopped and the rest was exported.
 */
import pg from 'pg';
import { LagHistogram } from '../src/jobs/lag-histogram.js';
import { slotsBetween } from '../src/jobs/phase.js';
import { type AgentBenchOptions, agentBench, type Rig, type Scenario } from './agent.js';
import type { BenchResult, Goal, Scalar } from './result.js';

export interface OutageOptions {
  /** Seconds of load (after the warm-up) before PostgreSQL is stopped. Default 30. */
  beforeSeconds?: number;
  /** Seconds PostgreSQL stays down. Default 60. */
  outageSeconds?: number;
  /** Longest wait for the backlog to drain after the restart, seconds. Default 90. */
  drainLimitSeconds?: number;
  /** Measured seconds after the restart (the rest of the window). Default 70: the drain goal and 10 s. */
  afterSeconds?: number;
  /** The backlog counts as drained when its oldest result finished less than this ago. Default 5000 ms. */
  drainedLagMs?: number;
  /** Results the run will write (sizes the id ledger up front). Default: grown as needed. */
  expectedResults?: number;
}

/**
 * Result ids as 16 bytes each instead of JS strings (the run writes ~350,000 of them), so the
 * monitor's RSS, measured in this process, is not inflated by the bookkeeping.
 */
class IdLedger {
  private buf: Buffer;
  private n = 0;
  /** Ids that are not UUIDs (none expected): kept as they are. */
  private readonly other: string[] = [];

  add(id: string): void {
    const hex = id.replaceAll('-', '');
    if (hex.length !== 32 || !/^[0-9a-f]{32}$/.test(hex)) {
      this.other.push(id);
      return;
    }
    if ((this.n + 1) * 16 > this.buf.length) {
      const bigger = Buffer.alloc(this.buf.length * 2);
      this.buf.copy(bigger);
      this.buf = bigger;
    }
    this.buf.write(hex, this.n * 16, 'hex');
    this.n++;
  }

  /** @param expected ids the run will write: allocated once, so no doubling copy mid-run. */
  constructor(expected: number) {
    this.buf = Buffer.alloc(16 * Math.max(65_536, Math.ceil(expected)));
  }

  get size(): number {
    return this.n + this.other.length;
  }

  /** Every id, in the canonical form `key()` gives PostgreSQL's local_id. */
  *keys(): Generator<string> {
    for (let i = 0; i < this.n; i++) yield this.buf.toString('hex', i * 16, i * 16 + 16);
    yield* this.other;
  }
}

/** A UUID without dashes, lower case; anything else as it is. */
function key(id: string): string {
  const hex = id.replaceAll('-', '').toLowerCase();
  return /^[0-9a-f]{32}$/.test(hex) ? hex : id;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

export function outageScenario(options: OutageOptions = {}): Scenario {
  const beforeMs = (options.beforeSeconds ?? 30) * 1000;
  const outageMs = (options.outageSeconds ?? 60) * 1000;
  const drainLimitMs = (options.drainLimitSeconds ?? 90) * 1000;
  const drainedLagMs = options.drainedLagMs ?? 5000;

  const ids = new IdLedger(options.expectedResults ?? 0);
  const lag = new LagHistogram();
  let executedInOutage = 0;
  // The outage window on the slot grid: slots scheduled in [down, up) are judged.
  let down = Number.POSITIVE_INFINITY;
  let up = Number.POSITIVE_INFINITY;
  let stopMs: number | null = null;
  let startMs: number | null = null;
  let backlogAtRestart: number | null = null;
  let drainMs: number | null = null;
  // The exporter's retry wait (backoff with jitter) ends here: the backlog's head moves.
  let firstExportMs: number | null = null;

  return {
    // Results wait while PostgreSQL is down, and the backlog sits in the local file meanwhile.
    waives: ['exportLagP99Ms', 'localDbMBEnd'],
    onProbeStart(scheduledAt, startedAt) {
      if (scheduledAt < down || scheduledAt >= up) return;
      executedInOutage++;
      lag.record(startedAt - scheduledAt);
    },
    onResultsWritten(written) {
      for (const id of written) ids.add(id);
    },
    async during(rig: Rig) {
      const server = rig.pg;
      if (!server) throw new Error('the outage scenario needs postgres: true');
      await sleep(rig.t0 + beforeMs - Date.now());
      down = Date.now();
      up = down + outageMs;
      let t = performance.now();
      try {
        await server.stop();
        stopMs = performance.now() - t;
        await sleep(up - Date.now());
      } finally {
        t = performance.now();
        await server.start();
        startMs = performance.now() - t;
      }
      const restarted = Date.now();
      backlogAtRestart = rig.source.countUnexported();
      const headAtRestart = rig.source.selectUnexported(1)[0]?.id;
      while (Date.now() - restarted < drainLimitMs) {
        const [oldest] = rig.source.selectUnexported(1);
        if (firstExportMs === null && oldest?.id !== headAtRestart) firstExportMs = Date.now() - restarted;
        if (!oldest || oldest.finishedAt >= Date.now() - drainedLagMs) {
          drainMs = Date.now() - restarted;
          break;
        }
        await sleep(250);
      }
    },
    async report(rig: Rig) {
      let scheduledInOutage = 0;
      if (Number.isFinite(down)) {
        for (const s of rig.services) scheduledInOutage += slotsBetween(s, down, up).length;
      }
      const remote = rig.remoteUri ? await compareIds(rig.remoteUri, ids) : null;
      const localLeft = rig.source.countUnexported();
      const figures: Record<string, Scalar> = {
        outageScheduled: scheduledInOutage,
        outageExecuted: executedInOutage,
        outageExecutedRatioPct: scheduledInOutage > 0 ? (executedInOutage / scheduledInOutage) * 100 : null,
        outageMissed: scheduledInOutage - executedInOutage,
        outageStartLagP50Ms: lag.percentile(0.5),
        outageStartLagP99Ms: lag.percentile(0.99),
        outageStartLagMaxMs: lag.max,
        postgresStopMs: stopMs === null ? null : Math.round(stopMs),
        postgresStartMs: startMs === null ? null : Math.round(startMs),
        backlogAtRestart,
        firstExportAfterRestartSeconds: firstExportMs === null ? null : firstExportMs / 1000,
        drainSeconds: drainMs === null ? null : drainMs / 1000,
        resultsWrittenLocally: ids.size,
        localUnexportedAtEnd: localLeft,
        ...(remote ?? {}),
      };
      const num = (k: string) => (typeof figures[k] === 'number' ? (figures[k] as number) : null);
      const goal = (figure: string, text: string, pass: (v: number) => boolean): Goal => {
        const v = num(figure);
        return { figure, goal: text, pass: v === null ? null : pass(v) };
      };
      return {
        inputs: {
          outage: `PostgreSQL stopped ${beforeMs / 1000} s into the window for ${outageMs / 1000} s, then started (same port and data)`,
          drained: `oldest unexported result younger than ${drainedLagMs} ms (polled every 250 ms, for at most ${drainLimitMs / 1000} s)`,
          lostAndDuplicated:
            'every result id written locally during the run vs PostgreSQL local_id, after the final export',
        },
        figures,
        goals: [
          goal(
            'outageExecutedRatioPct',
            '≥ 99.9 % (probes on time while PostgreSQL is down)',
            (v) => v >= 99.9,
          ),
          goal('outageStartLagP99Ms', '≤ 250 ms', (v) => v <= 250),
          goal('drainSeconds', '< 60 s', (v) => v < 60),
          goal('rowsLost', '0', (v) => v === 0),
          goal('rowsDuplicated', '0', (v) => v === 0),
          goal('remoteDuplicateSlotsAll', '0', (v) => v === 0),
        ],
        notes: [],
      };
    },
  };
}

/** Every locally written id must be in PostgreSQL exactly once, and nothing else. */
async function compareIds(uri: string, localIds: IdLedger): Promise<Record<string, number>> {
  const client = new pg.Client({ connectionString: uri, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    const rows = await client.query<[string]>({ text: 'SELECT local_id FROM monitoring', rowMode: 'array' });
    const slots = await client.query<{ dup: number }>(
      `SELECT (count(*) - count(DISTINCT (service_key, scheduled_at)))::int AS dup FROM monitoring`,
    );
    const remote = new Map<string, number>();
    for (const [id] of rows.rows) remote.set(key(id), (remote.get(key(id)) ?? 0) + 1);
    const local = new Set(localIds.keys());
    let lost = 0;
    for (const id of local) if (!remote.has(id)) lost++;
    let extra = 0;
    let duplicated = 0;
    for (const [id, n] of remote) {
      if (!local.has(id)) extra++;
      if (n > 1) duplicated += n - 1;
    }
    return {
      remoteRowsAll: rows.rows.length,
      rowsLost: lost,
      rowsDuplicated: duplicated,
      // Rows in PostgreSQL that no local write accounts for (must be 0 too).
      rowsUnaccounted: extra,
      remoteDuplicateSlotsAll: slots.rows[0]?.dup ?? 0,
      localIdsRecordedTwice: localIds.size - local.size,
    };
  } finally {
    await client.end();
  }
}

/** The outage section: `agentBench` with export to PostgreSQL and the outage scenario. */
export function outageBench(options: AgentBenchOptions & OutageOptions = {}): Promise<BenchResult> {
  const before = options.beforeSeconds ?? 30;
  const outage = options.outageSeconds ?? 60;
  const drainLimit = options.drainLimitSeconds ?? 90;
  const seconds = options.seconds ?? before + outage + (options.afterSeconds ?? 70);
  return agentBench({
    ...options,
    services: options.services ?? 10_000,
    // The window spans the load before, the outage and a drain that meets its goal, plus margin.
    seconds,
    postgres: true,
    name: options.name ?? 'outage',
    title:
      options.title ??
      `${options.services ?? 10_000} services at 5 s, PostgreSQL stopped for ${outage} s under load`,
    scenario: outageScenario({
      ...options,
      // Every slot of warm-up, window and wind-down, with 10 % to spare.
      expectedResults:
        (((options.services ?? 10_000) * ((options.warmupSeconds ?? 5) + seconds + 10)) /
          ((options.intervalMs ?? 5000) / 1000)) *
        1.1,
      beforeSeconds: before,
      outageSeconds: outage,
      drainLimitSeconds: drainLimit,
    }),
  });
}
