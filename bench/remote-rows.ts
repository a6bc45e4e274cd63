/**
 * What reached PostgreSQL, counted by SQL over the `monitoring` table for a window of scheduled
 * times: rows, distinct (service_key, scheduled_at) slots (rows − slots = duplicates, goal 0),
 * `missed` rows, the export lag: exported_at (the exporting transaction's now()) − finished_at, and
 * the start lag: started_at − scheduled_at (the probe's start as the daemon stamped it: what the
 * target's arrival lag bounds from above).
 */
import pg from 'pg';

export interface RemoteRows {
  rows: number;
  slots: number;
  duplicateSlots: number;
  missed: number;
  exportLagP50Ms: number | null;
  exportLagP99Ms: number | null;
  /** Over the rows that started (not `missed`). */
  startLagP50Ms: number | null;
  startLagP99Ms: number | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function withClient<T>(uri: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: uri, connectionTimeoutMillis: 10_000 });
  client.on('error', () => {});
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

const WHERE = 'scheduled_at >= to_timestamp($1 / 1000.0) AND scheduled_at < to_timestamp($2 / 1000.0)';

export function readRemoteRows(uri: string, t0: number, t1: number): Promise<RemoteRows> {
  return withClient(uri, async (c) => {
    const r = await c.query<{
      n: number;
      slots: number;
      missed: number;
      p50: number | null;
      p99: number | null;
      start50: number | null;
      start99: number | null;
    }>(
      `SELECT count(*)::int AS n, count(DISTINCT (service_key, scheduled_at))::int AS slots,
         count(*) FILTER (WHERE error_class = 'missed')::int AS missed,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM exported_at - finished_at) * 1000) AS p50,
         percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM exported_at - finished_at) * 1000) AS p99,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM started_at - scheduled_at) * 1000) AS start50,
         percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM started_at - scheduled_at) * 1000) AS start99
       FROM monitoring WHERE ${WHERE}`,
      [t0, t1],
    );
    const row = r.rows[0]!;
    const tenth = (v: number | null) => (v === null ? null : Math.round(Number(v) * 10) / 10);
    return {
      rows: row.n,
      slots: row.slots,
      duplicateSlots: row.n - row.slots,
      missed: row.missed,
      exportLagP50Ms: row.p50 === null ? null : Math.round(Number(row.p50)),
      exportLagP99Ms: row.p99 === null ? null : Math.round(Number(row.p99)),
      startLagP50Ms: tenth(row.start50),
      startLagP99Ms: tenth(row.start99),
    };
  });
}

/**
 * Waits until the window's rows reached `expected` (one per slot: ok, failed or missed) or stopped
 * growing for `quietMs`, at most `limitMs`. Returns the seconds it took after the call.
 */
export async function waitForRemoteRows(
  uri: string,
  t0: number,
  t1: number,
  expected: number,
  { quietMs = 10_000, limitMs = 90_000 } = {},
): Promise<number> {
  const begin = Date.now();
  let last = -1;
  let lastChange = begin;
  while (Date.now() - begin < limitMs) {
    const n = await withClient(uri, async (c) => {
      const r = await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM monitoring WHERE ${WHERE}`, [
        t0,
        t1,
      ]);
      return r.rows[0]!.n;
    }).catch(() => last);
    if (n >= expected) break;
    if (n !== last) {
      last = n;
      lastChange = Date.now();
    } else if (Date.now() - lastChange >= quietMs) break;
    await sleep(1000);
  }
  return (Date.now() - begin) / 1000;
}
