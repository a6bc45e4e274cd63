/**
 * The fixed log-scale latency histogram of the local rollups: 24 buckets whose upper bounds grow by
 * 1.6 from 1 ms (bucket 0: ≤ 1 ms, bucket i: (1.6^(i−1), 1.6^i] ms, bucket 23: above ~31 s).
 * Fixed bounds let histograms of any minute, hour or service be summed column by column; a
 * percentile read from them is within the bucket's factor of 1.6 (interpolated inside it, so
 * typically much closer).
 */
export const HIST_BUCKETS = 24;
const FACTOR = 1.6;
const LOG_FACTOR = Math.log(FACTOR);

/** Upper bound of bucket i in ms (Infinity for the last). */
export function bucketUpperMs(i: number): number {
  return i >= HIST_BUCKETS - 1 ? Number.POSITIVE_INFINITY : FACTOR ** i;
}

/** The bucket of a latency in ms. */
export function bucketOf(ms: number): number {
  if (!(ms > 1)) return 0;
  // The epsilon keeps an exact bound (1.6^i) in bucket i despite floating point.
  const i = Math.ceil(Math.log(ms) / LOG_FACTOR - 1e-9);
  return Math.min(HIST_BUCKETS - 1, i);
}

/**
 * The q-quantile (0..1) of a histogram, interpolated geometrically inside its bucket; null when
 * the histogram is empty. The last (open) bucket answers its lower bound.
 */
export function quantileMs(counts: readonly number[], q: number): number | null {
  let total = 0;
  for (const c of counts) total += c;
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i] ?? 0;
    if (c === 0) continue;
    if (seen + c >= rank) {
      const lower = i === 0 ? 0 : FACTOR ** (i - 1);
      if (i === 0) return (rank - seen) / c;
      if (i >= HIST_BUCKETS - 1) return lower;
      const frac = Math.max(0, Math.min(1, (rank - seen) / c));
      return lower * FACTOR ** frac;
    }
    seen += c;
  }
  return FACTOR ** (HIST_BUCKETS - 2);
}
