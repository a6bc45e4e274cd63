/**
 * The one single-flight guard: a call while `run` is in flight joins it (gets the same promise)
 * instead of starting another. The export (one batch at a time, whoever asks) is built on it.
 */
export function singleFlight<T>(run: () => Promise<T>): () => Promise<T> {
  let inFlight: Promise<T> | null = null;
  return () => {
    inFlight ??= run().finally(() => {
      inFlight = null;
    });
    return inFlight;
  };
}
