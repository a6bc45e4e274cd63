/**
 * PostgreSQL outage under load, on the real `monitor start` (bench/monitor-run.ts): N services at
 * 5 s exporting to an embedded PostgreSQL; `beforeSeconds` into the window the server is stopped for
 * `outageSeconds`, then started again on the same port and data. Reports:
 *   - whether probes stayed on time while it was down (on time and gap p99 of the slots scheduled
 *     during the outage, from the target's arrivals);
 *   - how long the backlog took to drain after the restart: until PostgreSQL holds a row for every
 *     slot scheduled before the restart;
 *   - rows lost (slots of the window without a row in PostgreSQL once the daemon stopped and made
 *     its final export) and duplicated (rows − distinct (service_key, scheduled_at)).
 */
import pg from 'pg';
import { slotsBetween } from '../src/jobs/phase.js';
import { type Rig, runMonitor } from './monitor-run.js';
import type { BenchResult, Goal, Scalar } from './result.js';
import { steadyGoals } from './steady.js';

export interface OutageOptions {
  services: number;
  warmupSeconds: number;
  origins?: number;
  /** Seconds of load in the window before PostgreSQL is stopped. */
  beforeSeconds: number;
  /** Seconds PostgreSQL stays down. */
  outageSeconds: number;
  /** Longest wait for the backlog to drain after the restart, seconds. */
  drainLimitSeconds: number;
  /** Seconds of the window after the restart. */
  afterSeconds: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function remoteCount(uri: string, from: number, to: number): Promise<number | null> {
  const client = new pg.Client({ connectionString: uri, connectionTimeoutMillis: 5000 });
  client.on('error', () => {});
  try {
    await client.connect();
    const r = await client.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM monitoring WHERE scheduled_at >= to_timestamp($1 / 1000.0) AND scheduled_at < to_timestamp($2 / 1000.0)',
      [from, to],
    );
    return r.rows[0]!.n;
  } catch {
    return null;
  } finally {
    await client.end().catch(() => {});
  }
}

export async function outageProcessBench(o: OutageOptions): Promise<BenchResult> {
  let outageAt = 0;
  let restartAt = 0;
  const say = (s: string) => process.stderr.write(`[outage] ${s}\n`);
  const during = async (rig: Rig): Promise<Record<string, Scalar>> => {
    if (!rig.pg || !rig.remoteUri) throw new Error('the outage needs the embedded PostgreSQL');
    await sleep(rig.t0 + o.beforeSeconds * 1000 - Date.now());
    await rig.pg.stop();
    outageAt = Date.now();
    say(`PostgreSQL stopped for ${o.outageSeconds} s`);
    await sleep(o.outageSeconds * 1000);
    await rig.pg.start();
    restartAt = Date.now();
    let expected = 0;
    for (const s of rig.services) expected += slotsBetween(s, rig.t0, restartAt).length;
    let drainSeconds: number | null = null;
    while (Date.now() - restartAt < o.drainLimitSeconds * 1000 && Date.now() < rig.t1) {
      const n = await remoteCount(rig.remoteUri, rig.t0, restartAt);
      if (n !== null && n >= expected) {
        drainSeconds = (Date.now() - restartAt) / 1000;
        break;
      }
      await sleep(500);
    }
    say(
      `restarted; drained ${drainSeconds === null ? 'not within the limit' : `in ${drainSeconds.toFixed(1)} s`}`,
    );
    return {
      outageSecondsActual: Math.round((restartAt - outageAt) / 100) / 10,
      backlogSlotsAtRestart: expected,
      drainSeconds: drainSeconds === null ? null : Math.round(drainSeconds * 10) / 10,
    };
  };
  const seconds = o.beforeSeconds + o.outageSeconds + o.afterSeconds;
  const run = await runMonitor({
    services: o.services,
    seconds,
    warmupSeconds: o.warmupSeconds,
    origins: o.origins,
    postgres: true,
    label: '[outage]',
    scenario: { during, windows: () => ({ outage: [outageAt, restartAt] }) },
  });
  const f = run.figures;
  const num = (k: string) => (typeof f[k] === 'number' ? (f[k] as number) : null);
  const rows = num('remoteRows');
  const dups = num('remoteDuplicateSlots');
  const scheduled = num('scheduled');
  f['rowsLost'] = rows !== null && dups !== null && scheduled !== null ? scheduled - (rows - dups) : null;
  const goal = (figure: string, text: string, pass: (v: number) => boolean): Goal => {
    const v = num(figure);
    return { figure, goal: text, pass: v === null ? null : pass(v) };
  };
  return {
    name: 'outage',
    title: `${o.services.toLocaleString('en-US')} services at 5 s, PostgreSQL stopped for ${o.outageSeconds} s (monitor start)`,
    process: 'monitor start',
    at: new Date().toISOString(),
    inputs: {
      ...run.inputs,
      beforeSeconds: o.beforeSeconds,
      outageSeconds: o.outageSeconds,
      afterSeconds: o.afterSeconds,
      drainLimitSeconds: o.drainLimitSeconds,
    },
    figures: f,
    goals: [
      ...steadyGoals(run, true),
      goal('outage.onTimePct', '≥ 99.9 % (probes on time while PostgreSQL is down)', (v) => v >= 99.9),
      goal('outage.gapDeviationP99Ms', '≤ 250 ms', (v) => v <= 250),
      goal('drainSeconds', `< 60 s (backlog in PostgreSQL after the restart)`, (v) => v < 60),
      goal('rowsLost', '0', (v) => v === 0),
    ],
    notes: [
      ...run.notes,
      'outage.*: slots scheduled while PostgreSQL was down, judged from the target’s arrivals; rowsLost = slots of the window − distinct slots in PostgreSQL after the final export; exportLag covers the outage, so it has no goal here',
    ],
  };
}
