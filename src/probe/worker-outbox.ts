import type { ToWorker } from './worker-protocol.js';

/**
 * The next message from the threaded prober to its probe worker, gathered over one batch: starts
 * admitted in the same synchronous run (a dispatch, a batch of finished probes) go together, sent
 * `batchMs` after the first (see ThreadedProberOptions.batchMs for why).
 */
export class WorkerOutbox {
  private outgoing: ToWorker = {};
  private flushQueued = false;

  /** `send` posts to the current worker, if there is one. */
  constructor(
    private readonly batchMs: number,
    private readonly send: (m: ToWorker) => void,
  ) {}

  /** The message being gathered; the first call of a batch schedules its sending. */
  message(): ToWorker {
    if (!this.flushQueued) {
      this.flushQueued = true;
      if (this.batchMs > 0) setTimeout(() => this.flush(), this.batchMs);
      else queueMicrotask(() => this.flush());
    }
    return this.outgoing;
  }

  /** Sends what was gathered now. */
  flush(): void {
    this.flushQueued = false;
    const m = this.outgoing;
    this.outgoing = {};
    this.send(m);
  }

  /** Drops what was gathered: it was meant for a worker that has gone. */
  discard(): void {
    this.outgoing = {};
  }
}

type ListKey = 'services' | 'forget' | 'starts' | 'abort';

/** The message's list under `key`, created empty when missing. */
export function listIn<K extends ListKey>(m: ToWorker, key: K): NonNullable<ToWorker[K]> {
  let list = m[key];
  if (list === undefined) {
    list = [] as unknown as NonNullable<ToWorker[K]>;
    m[key] = list;
  }
  return list as NonNullable<ToWorker[K]>;
}
