import type { ResolvedService } from '../config/resolve.js';
import type { ProbeResult } from '../results/types.js';

export interface ProbeOptions {
  /** The grid slot this probe belongs to, epoch ms. */
  scheduledAt: number;
  /**
   * End of the slot's window, epoch ms: a probe that waits for the concurrency caps past it is
   * answered `missed` instead of starting late. Default: no end.
   */
  windowEndsAt?: number;
  /** Agent name written on the result. */
  agent: string;
  /** Shutdown signal; the probe's own deadline is the service timeout. */
  signal?: AbortSignal;
}

/**
 * Implemented by src/probe/prober.ts. `probe` never rejects: every failure is a classified result.
 *
 * The runner relies on the prober for the concurrency caps (global and per origin): it hands over
 * every due probe at once, keeping only one in flight per service. Give it a gated prober
 * (gated-prober.ts, or threaded-prober.ts, which gates in its worker); createProber alone only
 * bounds connections per origin.
 */
export interface Prober {
  probe(service: ResolvedService, options: ProbeOptions): Promise<ProbeResult>;
  /** Close pooled connections. */
  close(): Promise<void>;
}
