import type { Logger } from '../log/logger.js';

/** Wait for `p` at most `ms`; never rejects. */
export async function withTimeout(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    p.catch(() => undefined),
    new Promise((r) => {
      timer = setTimeout(r, ms);
    }),
  ]);
  clearTimeout(timer);
}

/** Resolves on the first SIGTERM/SIGINT (or abort); a second one exits at once without draining. */
export function stopLatch(
  log: Logger,
  signal?: AbortSignal,
): { requested: Promise<string>; dispose(): void } {
  let asked = false;
  let resolveStop: (reason: string) => void = () => {};
  const requested = new Promise<string>((r) => {
    resolveStop = r;
  });
  const onSignal = (sig: NodeJS.Signals) => {
    if (asked) {
      log.error({ module: 'monitoring' }, `Second ${sig}: forcing exit without draining.`);
      process.exit(1);
    }
    asked = true;
    resolveStop(sig);
  };
  const onAbort = () => onSignal('SIGTERM');
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  signal?.addEventListener('abort', onAbort, { once: true });
  return {
    requested,
    dispose() {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      signal?.removeEventListener('abort', onAbort);
    },
  };
}
