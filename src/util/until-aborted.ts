import type { Dispatcher } from 'undici';

const noop = () => {};

/**
 * undici only honours an abort once the request is on a socket: while the pool is still
 * connecting (a port that never accepts, a TLS handshake that never ends) it waits for the
 * connect timeout. A probe (or a notification) must not: it leaves at its deadline, and whatever the abandoned
 * request later yields is destroyed so its connection goes back to the pool.
 */
export function untilAborted(
  pending: Promise<Dispatcher.ResponseData>,
  signal: AbortSignal,
): Promise<Dispatcher.ResponseData> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      reject(signal.reason);
      pending.then((res) => res.body.destroy(), noop);
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    pending.then(
      (res) => {
        signal.removeEventListener('abort', onAbort);
        resolve(res);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
