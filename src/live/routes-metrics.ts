import { METRICS_CONTENT_TYPE, type MetricsText } from './metrics.js';
import { send } from './respond.js';
import type { Route } from './server.js';

/** GET /metrics in the Prometheus text format (cached ~1 s, see MetricsText). */
export function metricsRoutes(metrics: MetricsText): Route[] {
  return [
    {
      path: '/metrics',
      async handler(_ctx, res) {
        send(res, 200, await metrics.body(), METRICS_CONTENT_TYPE);
      },
    },
  ];
}
