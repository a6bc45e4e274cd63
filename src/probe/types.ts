import type { ResolvedService } from '../config/resolve.js';
import type { ProbeResult } from '../results/types.js';

export interface ProbeOptions {
  /** The grid slot this probe belongs to, epoch ms. */
  scheduledAt: number;
  /**
   * End of the slot's window, epoch ms: a prober that queues for its caps (gatesRequests) answers
   * `missed` instead of starting after it. Default: no end.
   */
  windowEndsAt?: number;
  /** Agent name written on the result. */
  agent: string;
  /** Shutdown signal; the probe's own deadline is the service timeout. */
  signal?: AbortSignal;
}

/** Implemented by src/probe/prober.ts. `probe` never rejects: every failure is a classified result. */
export interface Prober {
  probe(service: ResolvedService, options: ProbeOptions): Promise<ProbeResult>;
  /**
   * True when the prober applies the concurrency caps itself (global and per origin), queuing the
   * rest and answering `missed` for a probe whose window ends while it waits: the runner then
   * only keeps one probe in flight per service. Default false.
   */
  readonly gatesRequests?: boolean;
  /** Close pooled connections. */
  close(): Promise<void>;
}
