/**
 * The one backoff policy module: a ceiling that doubles per failure up to a cap, and a random wait
 * under it, so that many agents (or many jobs) that failed together do not retry in lockstep.
 * Two uses, two jitters: reconnecting to PostgreSQL waits anywhere under the ceiling (Backoff);
 * a failed export/collect job waits at least half of it (retryDelayMs), never retrying at once.
 */

/** `baseMs` doubled `doublings` times (none below 0), at most `capMs`. */
export function backoffCeiling(baseMs: number, capMs: number, doublings: number): number {
  // Past 2^30 the product only matters as "above the cap"; avoid overflowing to Infinity.
  return Math.min(capMs, baseMs * 2 ** Math.min(Math.max(0, doublings), 30));
}

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
    return backoffCeiling(this.baseMs, this.capMs, this.failures);
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

/**
 * Delay before a failed export/collect job is tried again: exponential in the attempts already
 * made, capped, with full jitter so that retries after a shared failure do not line up.
 */
export interface RetryDelayOptions {
  /** Delay after the first failure. Default 1000 ms. */
  baseMs?: number;
  /** Largest delay. Default 60,000 ms. */
  maxMs?: number;
  /** Source of randomness in [0, 1). Default Math.random. */
  random?: () => number;
}

export function retryDelayMs(attempts: number, options: RetryDelayOptions = {}): number {
  const base = options.baseMs ?? 1000;
  const max = options.maxMs ?? 60_000;
  const random = options.random ?? Math.random;
  const ceiling = backoffCeiling(base, max, attempts - 1);
  // Half fixed, half random: never retries sooner than half the nominal delay.
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
