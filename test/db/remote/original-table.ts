import { query } from '../../export/fixtures.js';

/**
 * `n` rows in the original tool's table (test/export/fixtures.ts ORIGINAL_DDL), spread evenly over
 * `days` days from `start` (naive UTC), every column of the original's used: NULLs, exceptions,
 * regexes and sub-second times, so that a checksum over all columns means something.
 */
export async function fillOriginalTable(url: string, n: number, start: string, days: number): Promise<void> {
  await query(
    url,
    `INSERT INTO monitoring (local_id, url, method, request_timestamp, regex_check_required, contains_regex,
       contains_exception, status_code, response_timestamp, regex, exception, local_created_at)
     SELECT 'orig-' || g, 'http://127.0.0.1:8000/s' || (g % 97), CASE WHEN g % 5 = 0 THEN 'POST' ELSE 'GET' END,
            t, g % 2 = 0, g % 4 = 0, g % 7 = 0,
            CASE WHEN g % 7 = 0 THEN NULL ELSE 200 + (g % 3) END,
            CASE WHEN g % 7 = 0 THEN NULL ELSE t + interval '42 milliseconds' END,
            CASE WHEN g % 2 = 0 THEN 'ok' END,
            CASE WHEN g % 7 = 0 THEN 'ConnectTimeout: timed out after ' || g || ' ms' END,
            t + interval '43 milliseconds'
       FROM generate_series(0, $1::int - 1) g,
            LATERAL (SELECT $2::timestamp + (g::float8 * $3::float8 * 86400 / $1::int) * interval '1 second'
                            + (g % 1000) * interval '1 microsecond' AS t) x`,
    [n, start, days],
  );
}

/** Row count and an md5 over every column of every row, in id order. */
export async function tableDigest(url: string, table: string): Promise<{ n: number; h: string }> {
  const [r] = await query<{ n: number; h: string }>(
    url,
    `SELECT count(*)::int AS n, md5(string_agg(md5(m::text), '' ORDER BY id)) AS h FROM ${table} m`,
  );
  return r!;
}
