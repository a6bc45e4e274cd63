/**
 * Exponential backoff with full jitter (a uniformly random wait between 0 and the exponential
 * ceiling): many agents that lost the same server do not come back in lockstep.
 */
export interface BackoffOptions {
  /** Ceiling of the first wait, ms. Default 250. */
  baseMs?: number;
  /**
   * Largest ceiling, ms. Default 10,000: the export resumes at most 10 s after PostgreSQL is back
   * (at 30 s the outage bench waited 9–27 s for the first export after a restart, longer than the
   * drain itself), and an attempt every 0–10 s is nothing to a server, even from many agents.
   */
  capMs?: number;
  /** Source of randomness in [0, 1). Default Math.random (tests inject their own). */
  random?: () => number;
}

export class Backoff {
  private readonly baseMs: number;
  private readonly capMs: number;
  private readonly random: () => number;
  private failures = 0;

  constructor(options: BackoffOptions = {}) {
    this.baseMs = options.baseMs ?? 250;
    this.capMs = options.capMs ?? 10_000;
    this.random = options.random ?? Math.random;
  }

  /** Failures since the last success. */
  get attempts(): number {
    return this.failures;
  }

  /** The ceiling for the next wait: base·2^failures, at most the cap. */
  ceiling(): number {
    // Past 2^30 the product only matters as "above the cap"; avoid overflowing to Infinity.
    return Math.min(this.capMs, this.baseMs * 2 ** Math.min(this.failures, 30));
  }

  /** Record a failure and return how long to wait before the next attempt, ms. */
  next(): number {
    const wait = Math.floor(this.random() * this.ceiling());
    this.failures += 1;
    return wait;
  }

  /** A success: the next failure starts from the base again. */
  reset(): void {
    this.failures = 0;
  }
}
