import type { ResolvedService } from '../../src/config/resolve.js';
import type { Prober } from '../../src/probe/types.js';
import type { ProbeResult } from '../../src/results/types.js';

/** Probe once and measure the wall time the caller waited. */
export async function timedProbe(
  prober: Prober,
  s: ResolvedService,
  signal?: AbortSignal,
): Promise<{ result: ProbeResult; elapsedMs: number }> {
  const t0 = Date.now();
  const result = await prober.probe(s, { scheduledAt: t0, agent: 'test', ...(signal ? { signal } : {}) });
  return { result, elapsedMs: Date.now() - t0 };
}
