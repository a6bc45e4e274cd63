import type { ResolvedService } from '../config/resolve.js';
import type { LastResults } from './metrics-hook.js';
import type { ServiceStatus, StatusSource } from './types.js';

/**
 * A StatusSource from the last results in memory only: state, since and the last result; the
 * figures that need history (latency percentiles, uptime, incidents) are null, and history is
 * empty. It stands in until the rollups' source (status-source.ts) is wired, and it is what the
 * API serves when that one is absent.
 */
export function lastResultsStatus(
  last: LastResults,
  services: () => readonly ResolvedService[],
): StatusSource {
  return {
    status(): ServiceStatus[] {
      return services().map((s) => {
        const e = last.get(s.key);
        const r = e?.result;
        return {
          key: s.key,
          url: s.url,
          method: s.method,
          origin: s.origin,
          state: r?.state ?? null,
          since: e?.since ?? null,
          lastAt: r?.finishedAt ?? null,
          lastDurationMs: r?.durationMs ?? null,
          lastStatusCode: r?.statusCode ?? null,
          lastErrorClass: r?.errorClass ?? null,
          latencyP50Ms: null,
          latencyP95Ms: null,
          uptime24h: null,
          uptime7d: null,
          uptime30d: null,
          openIncident: null,
        };
      });
    },
    history(key) {
      return services().some((s) => s.key === key) ? [] : null;
    },
  };
}
