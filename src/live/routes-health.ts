import type { HealthSource } from './health.js';
import { sendJson, sendText } from './respond.js';
import type { Route } from './server.js';

/** The scheduler ticks once a second: no tick for this long means it is stuck. */
export const SCHEDULER_STALL_MS = 10_000;
/** Export lag above this is reported by /readyz (not fatal: monitoring goes on without export). */
export const EXPORT_LAG_WARN_MS = 5 * 60_000;

/**
 * /healthz: the process answers (liveness; open, no token). /readyz: 200 when the scheduler
 * ticked within 10 s and the local database takes writes, else 503; the body says why and
 * reports the export's state and lag either way.
 */
export function healthRoutes(source: HealthSource, now: () => number = Date.now): Route[] {
  let ticks = -1;
  let movedAt = now();
  return [
    { path: '/healthz', open: true, handler: (_ctx, res) => sendText(res, 200, 'ok') },
    {
      path: '/readyz',
      handler(_ctx, res) {
        const h = source.health();
        const t = now();
        if (h.schedulerTicks !== ticks) {
          ticks = h.schedulerTicks;
          movedAt = t;
        }
        const sinceTickMs = t - movedAt;
        const reasons: string[] = [];
        if (sinceTickMs > SCHEDULER_STALL_MS)
          reasons.push(`scheduler has not ticked for ${Math.round(sinceTickMs / 1000)} s`);
        if (!h.localDbWritable) reasons.push('local database does not take writes');
        const warnings: string[] = [];
        if (h.exportLagMs > EXPORT_LAG_WARN_MS)
          warnings.push(`export lag ${Math.round(h.exportLagMs / 1000)} s`);
        sendJson(res, reasons.length === 0 ? 200 : 503, {
          ready: reasons.length === 0,
          reasons,
          warnings,
          schedulerTicks: h.schedulerTicks,
          msSinceSchedulerTick: sinceTickMs,
          localDbWritable: h.localDbWritable,
          exportState: h.exportState,
          exportLagSeconds: h.exportLagMs / 1000,
          unexportedRows: h.unexportedRows,
        });
      },
    },
  ];
}
