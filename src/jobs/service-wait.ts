import type { ProbeJob } from './runner-context.js';

/**
 * One probe in flight per service: the services whose probe is running, and the due jobs held
 * back until it ends, in order, per service.
 */
export class ServiceWait {
  private readonly busy = new Set<string>();
  /** Due jobs whose service still has a probe in flight. */
  private readonly held = new Map<string, ProbeJob[]>();
  private count = 0;

  /** Jobs held back. */
  get waiting(): number {
    return this.count;
  }

  isBusy(serviceKey: string): boolean {
    return this.busy.has(serviceKey);
  }

  /** A probe of the service started. */
  started(serviceKey: string): void {
    this.busy.add(serviceKey);
  }

  /** The service's probe ended. */
  ended(serviceKey: string): void {
    this.busy.delete(serviceKey);
  }

  hold(serviceKey: string, job: ProbeJob): void {
    const list = this.held.get(serviceKey);
    if (list === undefined) this.held.set(serviceKey, [job]);
    else list.push(job);
    this.count++;
  }

  /** Takes out the service's oldest held job, if any. */
  next(serviceKey: string): ProbeJob | undefined {
    const list = this.held.get(serviceKey);
    if (list === undefined) return undefined;
    const next = list.shift();
    if (list.length === 0) this.held.delete(serviceKey);
    if (next !== undefined) this.count--;
    return next;
  }

  /** Takes out the held jobs whose window has ended at `t`. */
  takeExpired(t: number): ProbeJob[] {
    const expired = (job: ProbeJob) => t >= job.payload.windowEndsAt;
    const out: ProbeJob[] = [];
    for (const [key, list] of this.held) {
      const keep = list.filter((j) => !expired(j));
      if (keep.length === list.length) continue;
      for (const j of list) if (expired(j)) out.push(j);
      if (keep.length === 0) this.held.delete(key);
      else this.held.set(key, keep);
    }
    this.count -= out.length;
    return out;
  }

  /** Takes out every held job. */
  drain(): ProbeJob[] {
    const out: ProbeJob[] = [];
    for (const list of this.held.values()) out.push(...list);
    this.held.clear();
    this.count = 0;
    return out;
  }
}
