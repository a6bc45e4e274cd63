/**
 * Millisecond histogram for start lag: a fixed array of counters, so recording is one increment
 * and no allocation on the hot path. Values above the range land in the last bucket.
 */
export class LagHistogram {
  private readonly counts: Uint32Array;
  private total = 0;
  private maxSeen = 0;

  /** @param maxMs largest value told apart; default 60,000 ms. */
  constructor(maxMs = 60_000) {
    this.counts = new Uint32Array(maxMs + 1);
  }

  record(ms: number): void {
    const v = ms <= 0 ? 0 : Math.min(Math.round(ms), this.counts.length - 1);
    this.counts[v]!++;
    this.total++;
    if (ms > this.maxSeen) this.maxSeen = ms;
  }

  get count(): number {
    return this.total;
  }

  get max(): number {
    return this.maxSeen;
  }

  /** Smallest value v with at least q of the samples ≤ v; 0 when empty. */
  percentile(q: number): number {
    if (this.total === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.total));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return i;
    }
    return this.counts.length - 1;
  }

  /**
   * Prometheus-style buckets: for each bound (ms, ascending) the samples ≤ it, with the count and
   * the sum (exact to the millisecond the samples were rounded to). One pass over the counters.
   */
  cumulative(boundsMs: readonly number[]): { cumulative: number[]; count: number; sumMs: number } {
    const cumulative = boundsMs.map(() => 0);
    let seen = 0;
    let sumMs = 0;
    let b = 0;
    for (let i = 0; i < this.counts.length; i++) {
      const c = this.counts[i]!;
      while (b < boundsMs.length && i > boundsMs[b]!) cumulative[b++] = seen;
      seen += c;
      sumMs += c * i;
    }
    while (b < boundsMs.length) cumulative[b++] = seen;
    return { cumulative, count: this.total, sumMs };
  }

  reset(): void {
    this.counts.fill(0);
    this.total = 0;
    this.maxSeen = 0;
  }
}
