/** stop()'s waits for the in-flight probes and handler runs to end. */
export class IdleWaiters {
  private waiters: (() => void)[] = [];

  constructor(private readonly busy: () => boolean) {}

  /** Something ended: wakes the waiters if nothing is running any more. */
  check(): void {
    if (this.busy() || this.waiters.length === 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** True once nothing is running, false if `ms` passed first. */
  wait(ms: number): Promise<boolean> {
    if (!this.busy()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}
