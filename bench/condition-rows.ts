/**
 * Whether the conditions were really evaluated in a run: the window's rows in PostgreSQL, counted
 * by SQL after the daemon stopped. A row that got a response (status_code set) is as expected when
 * its `conditions` column lists `entries` outcomes, every one held, and its state is 'up'.
 */
import { withClient } from './remote-rows.js';
import type { Scalar } from './result.js';

export interface ConditionRows {
  /** Rows of the window that got a response. */
  probed: number;
  /** Of which: `entries` outcomes, all held, state 'up'. */
  asExpected: number;
  /** The condition texts of one such row, in order (what the daemon evaluated). */
  sample: string[];
}

const WHERE = 'scheduled_at >= to_timestamp($1 / 1000.0) AND scheduled_at < to_timestamp($2 / 1000.0)';

export function readConditionRows(
  uri: string,
  t0: number,
  t1: number,
  entries: number,
): Promise<ConditionRows> {
  return withClient(uri, async (c) => {
    const counts = await c.query<{ probed: number; expected: number }>(
      `SELECT count(*) FILTER (WHERE status_code IS NOT NULL)::int AS probed,
         count(*) FILTER (WHERE status_code IS NOT NULL AND state = 'up'
           AND jsonb_array_length(conditions) = $3
           AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(conditions) e
                            WHERE (e->>'held') IS DISTINCT FROM 'true'))::int AS expected
       FROM monitoring WHERE ${WHERE}`,
      [t0, t1, entries],
    );
    const sample = await c.query<{ texts: string[] | null }>(
      `SELECT ARRAY(SELECT e->>'condition' FROM jsonb_array_elements(conditions) WITH ORDINALITY AS t(e, i)
                     ORDER BY i) AS texts
         FROM monitoring WHERE ${WHERE} AND conditions IS NOT NULL LIMIT 1`,
      [t0, t1],
    );
    return {
      probed: counts.rows[0]!.probed,
      asExpected: counts.rows[0]!.expected,
      sample: sample.rows[0]?.texts ?? [],
    };
  });
}

/** The figures of a run's check: probed rows, rows not as expected (goal 0), the sample texts. */
export function conditionRowFigures(r: ConditionRows, entries: number): Record<string, Scalar> {
  return {
    conditionEntriesExpected: entries,
    probedRows: r.probed,
    rowsNotAsExpected: r.probed - r.asExpected,
    conditionTexts: r.sample.join(' ; '),
  };
}
