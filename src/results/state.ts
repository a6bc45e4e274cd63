import type { ErrorClass, ProbeState } from './types.js';

/**
 * The one rule from a result's outcome to its state (and `ok`), used by every place that makes a
 * result, the local migration that gave old rows a state included (drizzle/local/0003_*.sql
 * repeats it in SQL: keep them alike).
 *
 * - `missed` → 'unknown': nothing was probed, so nothing is known about the service.
 * - `degraded` → 'degraded': the caller found that every condition that failed is one that only
 *   degrades (its `errorClass` then names the first of them, or is null).
 * - any other error class → 'down'; none → 'up'.
 */
export function stateFor(errorClass: ErrorClass | null, degraded: boolean): ProbeState {
  if (errorClass === 'missed') return 'unknown';
  if (degraded) return 'degraded';
  return errorClass === null ? 'up' : 'down';
}

/**
 * `ok` for a state: true for up and degraded, so that the original's queries on `ok` keep their
 * meaning (the service answered acceptably); `state` says which of the two.
 */
export function isOkState(state: ProbeState): boolean {
  return state === 'up' || state === 'degraded';
}
