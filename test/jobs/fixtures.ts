import type { LocalDatabase } from '../../src/db/local/index.js';

export interface JobRowView {
  id: number;
  kind: string;
  state: string;
  attempts: number;
  max_attempts: number;
  last_error: string | null;
  dedupe_key: string | null;
  run_at: number;
}

export function jobRows(ldb: LocalDatabase, kind?: string): JobRowView[] {
  const sql = `SELECT id, kind, state, attempts, max_attempts, last_error, dedupe_key, run_at FROM jobs${
    kind ? ' WHERE kind = ?' : ''
  } ORDER BY id`;
  return (kind ? ldb.sqlite.prepare(sql).all(kind) : ldb.sqlite.prepare(sql).all()) as JobRowView[];
}

export interface ResultRowView {
  id: string;
  service_key: string;
  scheduled_at: number;
  started_at: number | null;
  finished_at: number;
  status_code: number | null;
  ok: number;
  error_class: string | null;
  error_message: string | null;
}

export function resultRows(ldb: LocalDatabase): ResultRowView[] {
  return ldb.sqlite
    .prepare(
      `SELECT id, service_key, scheduled_at, started_at, finished_at, status_code, ok, error_class, error_message
       FROM results ORDER BY scheduled_at, service_key`,
    )
    .all() as ResultRowView[];
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Poll `check` every 20 ms until it is true or `ms` passed; returns its last value. */
export async function waitFor(check: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await sleep(20);
  }
  return check();
}
