import type { LocalDatabase } from './open.js';
import { prepared } from './statements.js';

/** Names of the persisted counters. */
export const COUNTER = {
  /** Unexported results dropped because the buffer limit was reached. */
  droppedResults: 'dropped_results',
  /** Results lost because the local database was full (SQLITE_FULL). */
  diskFullDropped: 'disk_full_dropped',
  /** Results PostgreSQL rejected for their data, kept aside locally. */
  setAside: 'set_aside',
} as const;

export const INCREMENT_COUNTER_SQL =
  'INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = value + excluded.value';

/** Add `by` to a persisted counter (creating it at 0 first). Runs in the caller's transaction if any. */
export function incrementCounter(ldb: LocalDatabase, name: string, by: number): void {
  if (by === 0) return;
  prepared(ldb.sqlite, INCREMENT_COUNTER_SQL).run(name, by);
}

/** Every persisted counter by name; absent counters are simply missing (read them as 0). */
export function readCounters(ldb: LocalDatabase): Record<string, number> {
  const rows = prepared(ldb.sqlite, 'SELECT name, value FROM counters ORDER BY name').all() as {
    name: string;
    value: number;
  }[];
  const out: Record<string, number> = {};
  for (const r of rows) out[r.name] = r.value;
  return out;
}
