import { type ResolvedService, resolveService } from '../../src/config/resolve.js';
import type { ServiceConfig } from '../../src/config/types.js';
import type { Prober } from '../../src/probe/types.js';
import type { ProbeResult } from '../../src/results/types.js';

/** A resolved service for `url` with the config defaults, overridable field by field (config keys). */
export function service(url: string, overrides: Partial<ServiceConfig> = {}): ResolvedService {
  return resolveService({
    url,
    method: 'GET',
    check_regex: false,
    regex: null,
    interval_sec: 5,
    timeout: 2,
    ...overrides,
  });
}

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
