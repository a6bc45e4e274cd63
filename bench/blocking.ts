/**
 * How long synchronous calls block the event loop, by name: the local database's calls are
 * synchronous (better-sqlite3), so each one holds back the probes' start times while it runs.
 */
export class BlockingTimes {
  private readonly times = new Map<string, number[]>();

  time<T>(name: string, run: () => T): T {
    const begin = performance.now();
    try {
      return run();
    } finally {
      const list = this.times.get(name) ?? [];
      list.push(performance.now() - begin);
      this.times.set(name, list);
    }
  }

  wrap<A extends unknown[], R>(name: string, fn: (...a: A) => R): (...a: A) => R {
    return (...a) => this.time(name, () => fn(...a));
  }

  /** Forget the samples so far (after a warm-up); names already seen stay, with no calls. */
  reset(): void {
    for (const name of this.times.keys()) this.times.set(name, []);
  }

  /** One line per name: calls, share of `wallMs`, p99 and max. */
  lines(wallMs: number): string[] {
    return [...this.times].map(([k, v]) => {
      const sorted = v.toSorted((a, b) => a - b);
      const p99 = sorted[Math.max(0, Math.ceil(sorted.length * 0.99) - 1)] ?? 0;
      const total = v.reduce((a, b) => a + b, 0);
      return `${k}: ${v.length} calls, ${(total / wallMs) * 100 > 0 ? ((total / wallMs) * 100).toFixed(1) : '0'} % of the time, p99 ${p99.toFixed(1)} ms, max ${(sorted.at(-1) ?? 0).toFixed(1)} ms`;
    });
  }
}
