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
  const ceiling = Math.min(max, base * 2 ** Math.max(0, attempts - 1));
  // Half fixed, half random: never retries sooner than half the nominal delay.
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
