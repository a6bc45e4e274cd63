import Database from 'better-sqlite3';
import pg from 'pg';

/** Read-only look into a local database a (stopped or running) monitor wrote. */
export function readLocal(path: string): {
  ids: Set<string>;
  exportedIds: Set<string>;
  unexported: number;
  missed: number;
  counters: Record<string, number>;
  integrity: string;
} {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    const rows = db.prepare('SELECT id, exported_at, error_class FROM results').all() as Array<{
      id: string;
      exported_at: number | null;
      error_class: string | null;
    }>;
    const counters: Record<string, number> = {};
    for (const c of db.prepare('SELECT name, value FROM counters').all() as Array<{
      name: string;
      value: number;
    }>) {
      counters[c.name] = c.value;
    }
    return {
      ids: new Set(rows.map((r) => r.id)),
      exportedIds: new Set(rows.filter((r) => r.exported_at !== null).map((r) => r.id)),
      unexported: rows.filter((r) => r.exported_at === null).length,
      missed: rows.filter((r) => r.error_class === 'missed').length,
      counters,
      integrity: String(db.pragma('integrity_check', { simple: true })),
    };
  } finally {
    db.close();
  }
}

/** local_id of every row in the remote `monitoring` table, and how many rows share a slot. */
export async function readRemote(uri: string): Promise<{ ids: string[]; duplicateSlots: number }> {
  const c = new pg.Client({ connectionString: uri, connectionTimeoutMillis: 10_000 });
  await c.connect();
  try {
    const exists = await c.query(`SELECT to_regclass('public.monitoring') IS NOT NULL AS ok`);
    if (!exists.rows[0]?.ok) return { ids: [], duplicateSlots: 0 };
    const ids = (await c.query<{ local_id: string }>('SELECT local_id FROM monitoring')).rows.map(
      (r) => r.local_id,
    );
    const dup = await c.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM (SELECT service_key, scheduled_at FROM monitoring
         GROUP BY 1, 2 HAVING count(*) > 1) d`,
    );
    return { ids, duplicateSlots: Number(dup.rows[0]?.n ?? 0) };
  } finally {
    await c.end();
  }
}

/** Every local result is in PostgreSQL exactly once, and PostgreSQL holds nothing else. */
export function assertSameIds(
  local: Set<string>,
  remote: string[],
): { missing: number; extra: number; dupes: number } {
  const remoteSet = new Set(remote);
  let missing = 0;
  for (const id of local) if (!remoteSet.has(id)) missing++;
  let extra = 0;
  for (const id of remoteSet) if (!local.has(id)) extra++;
  return { missing, extra, dupes: remote.length - remoteSet.size };
}

/**
 * Unexported results that finished more than `ageMs` ago. While probing goes on there is always a
 * fresh result waiting for the next export tick, so "drained" means nothing old is left behind.
 */
export function staleUnexported(path: string, ageMs = 3_000): number {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    const row = db
      .prepare(
        'SELECT count(*) AS n FROM results WHERE exported_at IS NULL AND set_aside_reason IS NULL AND finished_at < ?',
      )
      .get(Date.now() - ageMs) as { n: number };
    return row.n;
  } finally {
    db.close();
  }
}

/** Wait until the exporter has caught up with everything older than a few seconds. */
export function waitDrained(path: string, timeoutMs: number): Promise<boolean> {
  return until(() => staleUnexported(path) === 0, timeoutMs, 300);
}

export async function until(
  cond: () => boolean | Promise<boolean>,
  timeoutMs: number,
  stepMs = 200,
): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await cond()) return true;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  return cond();
}
