import type { ResolvedService } from '../config/resolve.js';
import type { ProbeResult } from '../results/types.js';

export interface ProbeOptions {
  /** The grid slot this probe belongs to, epoch ms. */
  scheduledAt: number;
  /** Agent name written on the result. */
  agent: string;
  /** Shutdown signal; the probe's own deadline is the service timeout. */
  signal?: AbortSignal;
}

/** Implemented by src/probe/prober.ts. `probe` never rejects: every failure is a classified result. */
export interface Prober {
  probe(service: ResolvedService, options: ProbeOptions): Promise<ProbeResult>;
  /** Close pooled connections. */
  close(): Promise<void>;
}
