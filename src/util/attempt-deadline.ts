/**
 * One deadline for one attempt: fires after `timeoutMs` or when `parent` (a long-lived shutdown
 * signal) fires, whichever comes first. Not `AbortSignal.any([parent, AbortSignal.timeout(ms)])`:
 * on Node 20 (checked on 20.20) every `any` result stays in the parent's dependant set for as long
 * as the parent lives — a daemon combining its shutdown signal per attempt grows without bound —
 * and the timeout's timer outlives an attempt that ended early. dispose() undoes both.
 */
export interface AttemptDeadline {
  signal: AbortSignal;
  /** True when the timeout fired (not the parent). */
  timedOut(): boolean;
  /** Clears the timer and the listener on `parent`; call when the attempt ends. */
  dispose(): void;
}

export function attemptDeadline(parent: AbortSignal, timeoutMs: number): AttemptDeadline {
  const controller = new AbortController();
  let expired = false;
  const onParent = () => controller.abort(parent.reason);
  const timer = setTimeout(() => {
    expired = true;
    controller.abort(new DOMException(`timeout after ${timeoutMs} ms`, 'TimeoutError'));
  }, timeoutMs);
  if (parent.aborted) onParent();
  else parent.addEventListener('abort', onParent, { once: true });
  return {
    signal: controller.signal,
    timedOut: () => expired,
    dispose() {
      clearTimeout(timer);
      parent.removeEventListener('abort', onParent);
    },
  };
}
