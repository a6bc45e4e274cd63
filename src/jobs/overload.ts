import type { Logger } from '../log/logger.js';

/**
 * Tells when more probes are due than the monitor can start in time, and by how much: over each
 * period, due = started + missed for want of capacity (the caps stayed full, or the slot was
 * already over when it came due), and the overload is due ÷ started. Slots missed because the
 * process was frozen, or because a service's own previous probe still ran, say nothing about
 * capacity and are not counted. Logs once when overload starts and once when it ends.
 */
export class OverloadMeter {
  /** due ÷ started over the last period while overloaded, else null (a lower bound past 2×: see update). */
  ratio: number | null = null;
  private at = 0;
  private started = 0;
  private missed = 0;

  /**
   * @param periodMs how long each measurement runs. Default 10,000 ms.
   * @param threshold the share of due slots missed that counts as overload. Default 0.001 (0.1 %).
   */
  constructor(
    private readonly logger: Logger,
    private readonly periodMs = 10_000,
    private readonly threshold = 0.001,
  ) {}

  /** Running totals since start, on every poll; looks once a period. */
  update(t: number, started: number, missedForCapacity: number): void {
    if (this.at === 0) {
      this.reset(t, started, missedForCapacity);
      return;
    }
    if (t - this.at < this.periodMs) return;
    const s = started - this.started;
    const m = missedForCapacity - this.missed;
    const seconds = (t - this.at) / 1000;
    this.reset(t, started, missedForCapacity);
    const due = s + m;
    const over = due > 0 && m / due > this.threshold;
    if (over) {
      const ratio = due / Math.max(s, 1);
      if (this.ratio === null) {
        this.logger.warn(
          {
            startedPerSecond: Math.round(s / seconds),
            duePerSecond: Math.round(due / seconds),
            overload: ratio,
          },
          `the monitor is overloaded: ${Math.round(due / seconds)} probes/s are due and it started ${Math.round(s / seconds)}/s (${ratio.toFixed(2)}× what it can run); slots it cannot start in time are recorded as missed — raise runner.concurrency / runner.per_origin, probe less often, or share the services between agents`,
        );
      }
      this.ratio = ratio;
    } else if (this.ratio !== null) {
      this.logger.info('the monitor is no longer overloaded: every due probe started in time');
      this.ratio = null;
    }
  }

  private reset(t: number, started: number, missed: number): void {
    this.at = t;
    this.started = started;
    this.missed = missed;
  }
}
