/**
 * What the monitor did, judged from the target's arrival log alone (bench/target-server.ts):
 * each service's slots lie on its grid, phase + k·interval (src/jobs/phase.ts, the same code the
 * daemon schedules with), so every arrival belongs to the latest slot at or before it — the runner
 * never starts a slot after its window (the next slot) ends, and never before its time.
 *
 * Over a window [t0, t1) of scheduled times:
 *   - scheduled: the slots of every service in the window; executed: those with an arrival;
 *     duplicates: arrivals beyond the first in one slot (a slot run twice);
 *   - gap deviation: |arrival − previous arrival of the same service − interval|, for every arrival
 *     of a window slot whose previous arrival also belongs to a window slot (the warm-up is out). The start lag itself is not visible from outside; a late start shows as a
 *     gap too long then one too short, a missed slot as a gap of two intervals;
 *   - arrival lag: arrival − its slot. An upper bound on the start lag: it adds the request's way
 *     to the target (connect, when the connection is new) and the target's own event-loop delay.
 */
import type { ResolvedService } from '../src/config/resolve.js';
import { phaseOf, slotsBetween } from '../src/jobs/phase.js';
import type { Arrivals } from './target.js';

/**
 * Arrivals this much before a slot still count for it. Target and daemon read the same clock, but
 * the target stamps with performance.timeOrigin + now(), which may sit a millisecond off Date.now().
 */
const EARLY_TOLERANCE_MS = 50;

export interface GapStats {
  scheduled: number;
  executed: number;
  /** executed / scheduled × 100. */
  onTimePct: number | null;
  duplicates: number;
  /** Services with at least one slot of the window without an arrival. */
  servicesWithMisses: number;
  gaps: number;
  gapDeviationP50Ms: number | null;
  gapDeviationP99Ms: number | null;
  gapDeviationMaxMs: number | null;
  arrivalLagP50Ms: number | null;
  arrivalLagP99Ms: number | null;
  arrivalLagMaxMs: number | null;
  /** The earliest arrival relative to its slot (negative: before it; expected ≥ 0). */
  arrivalLagMinMs: number | null;
}

/** The q-quantile (0..1) of sorted values, nearest rank; null when empty. */
export function quantile(sorted: Float64Array, q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * q) - 1))]!;
}

/** Arrival times grouped by service index, each group in time order. */
function groupByService(arrivals: Arrivals, services: number): Float64Array[] {
  const counts = new Int32Array(services);
  for (const i of arrivals.index) if (i >= 0 && i < services) counts[i]!++;
  const groups = Array.from({ length: services }, (_, i) => new Float64Array(counts[i]!));
  const fill = new Int32Array(services);
  for (let k = 0; k < arrivals.index.length; k++) {
    const i = arrivals.index[k]!;
    if (i < 0 || i >= services) continue;
    groups[i]![fill[i]!++] = arrivals.at[k]!;
  }
  for (const g of groups) g.sort();
  return groups;
}

const round = (v: number | null): number | null => (v === null ? null : Math.round(v * 10) / 10);

/** Figures of the window [t0, t1) for services[i] probed on `/svc/<i>`. Interval services only. */
export function gapStats(
  arrivals: Arrivals,
  services: readonly ResolvedService[],
  t0: number,
  t1: number,
): GapStats {
  const groups = groupByService(arrivals, services.length);
  let scheduled = 0;
  let executed = 0;
  let duplicates = 0;
  let servicesWithMisses = 0;
  const deviations: number[] = [];
  const lags: number[] = [];
  for (let i = 0; i < services.length; i++) {
    const s = services[i]!;
    const interval = s.intervalMs;
    const phase = phaseOf(s.key, interval);
    const slots = slotsBetween(s, t0, t1).length;
    scheduled += slots;
    const times = groups[i]!;
    let hit = 0;
    let lastSlot = Number.NaN;
    let lastAt = Number.NaN;
    for (let k = 0; k < times.length; k++) {
      const at = times[k]!;
      const slot = phase + Math.floor((at - phase + EARLY_TOLERANCE_MS) / interval) * interval;
      const previousSlot = lastSlot;
      const previousAt = lastAt;
      lastSlot = slot;
      lastAt = at;
      if (slot < t0 || slot >= t1) continue;
      if (slot === previousSlot) {
        duplicates++;
        continue;
      }
      hit++;
      lags.push(at - slot);
      // Both ends in the window: a late start during the warm-up is not the window's gap.
      if (previousSlot >= t0) deviations.push(Math.abs(at - previousAt - interval));
    }
    executed += hit;
    if (hit < slots) servicesWithMisses++;
  }
  const dev = Float64Array.from(deviations).sort();
  const lag = Float64Array.from(lags).sort();
  return {
    scheduled,
    executed,
    onTimePct: scheduled > 0 ? (executed / scheduled) * 100 : null,
    duplicates,
    servicesWithMisses,
    gaps: dev.length,
    gapDeviationP50Ms: round(quantile(dev, 0.5)),
    gapDeviationP99Ms: round(quantile(dev, 0.99)),
    gapDeviationMaxMs: round(dev.length > 0 ? dev[dev.length - 1]! : null),
    arrivalLagP50Ms: round(quantile(lag, 0.5)),
    arrivalLagP99Ms: round(quantile(lag, 0.99)),
    arrivalLagMaxMs: round(lag.length > 0 ? lag[lag.length - 1]! : null),
    arrivalLagMinMs: round(lag.length > 0 ? lag[0]! : null),
  };
}
