/**
 * A probe's abort signal, reduced to what undici and our own waits use: `aborted`, `reason` and
 * abort listeners. An AbortController is an EventTarget with a good deal of machinery behind it;
 * made for every probe it was the largest single source of garbage in the probe worker (the
 * closed-loop prober benchmark spent ~17 % of its time in the garbage collector). undici accepts
 * any object with addEventListener/removeEventListener as a request signal (core/util.js
 * addAbortListener).
 */
export class Deadline {
  aborted = false;
  reason: unknown = undefined;
  private listeners: (() => void)[] = [];

  addEventListener(_type: 'abort', listener: () => void): void {
    if (!this.aborted) this.listeners.push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const i = this.listeners.indexOf(listener);
    if (i !== -1) this.listeners.splice(i, 1);
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listeners = this.listeners;
    this.listeners = [];
    for (const l of listeners) l();
  }

  /** Typed as what undici and the resolver take (see the class comment for why that is safe). */
  get signal(): AbortSignal {
    return this as unknown as AbortSignal;
  }
}
