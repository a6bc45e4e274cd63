import type { AlertRules } from '../config/alert-rules.js';
import type { IncidentKind } from '../results/incident.js';
import type { ProbeState } from '../results/types.js';

/**
 * The incident state machine, pure: from a service's recent states and the incidents it has open,
 * what one more result changes. The tracker (tracker.ts) applies the answer.
 *
 * - A result is a letter: u (up), d (down), g (degraded). A missed slot ('unknown') is no letter:
 *   it counts neither way.
 * - `down` opens after failureThreshold d in a row, or with failureWindow m/n after m d among the
 *   last n letters (the newest being a d); `degraded` the same way on g, when the service asks.
 * - `down` resolves after successThreshold letters in a row that are not d (degraded answered, so
 *   it is not down); `degraded` after successThreshold u in a row.
 * - A transition clears the letters: the next decision counts only results after it, so an old
 *   run of failures never reopens an incident on one new failure.
 */

export type Letter = 'u' | 'd' | 'g';

export function letterOf(state: ProbeState): Letter | null {
  switch (state) {
    case 'up':
      return 'u';
    case 'down':
      return 'd';
    case 'degraded':
      return 'g';
    default:
      return null;
  }
}

export interface Step {
  /** The letters after this result. */
  recent: string;
  /** An incident of this kind opens. */
  open: IncidentKind | null;
  /** Incidents of these kinds resolve. */
  resolve: IncidentKind[];
}

/** Letters kept per service: as many as the longest rule looks at. */
export function lettersKept(rules: AlertRules): number {
  return Math.max(rules.failureThreshold, rules.failureWindow?.n ?? 0, rules.successThreshold, 1);
}

function tailAll(recent: string, count: number, ok: (c: string) => boolean): boolean {
  if (recent.length < count) return false;
  for (let i = recent.length - count; i < recent.length; i++) if (!ok(recent[i] as string)) return false;
  return true;
}

function opens(rules: AlertRules, recent: string, bad: Letter): boolean {
  if (recent[recent.length - 1] !== bad) return false;
  const w = rules.failureWindow;
  if (w === null) return tailAll(recent, rules.failureThreshold, (c) => c === bad);
  let count = 0;
  for (let i = Math.max(0, recent.length - w.n); i < recent.length; i++) if (recent[i] === bad) count++;
  return count >= w.m;
}

export function step(
  rules: AlertRules,
  previous: string,
  open: ReadonlySet<IncidentKind>,
  letter: Letter,
): Step {
  const keep = lettersKept(rules);
  const joined = previous + letter;
  const recent = joined.length > keep ? joined.slice(joined.length - keep) : joined;
  const resolve: IncidentKind[] = [];
  if (open.has('down') && tailAll(recent, rules.successThreshold, (c) => c !== 'd')) resolve.push('down');
  if (open.has('degraded') && tailAll(recent, rules.successThreshold, (c) => c === 'u'))
    resolve.push('degraded');
  let opened: IncidentKind | null = null;
  if (!open.has('down') && opens(rules, recent, 'd')) opened = 'down';
  else if (rules.alertOnDegraded && !open.has('degraded') && !open.has('down') && opens(rules, recent, 'g'))
    opened = 'degraded';
  const changed = opened !== null || resolve.length > 0;
  return { recent: changed ? '' : recent, open: opened, resolve };
}
