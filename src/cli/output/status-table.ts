import type { ServiceStatus } from '../../live/types.js';
import { renderTable } from './table.js';

/**
 * `monitor status`: one row per service. Times are UTC to the second; a service that has no result
 * yet shows "no data" and dashes.
 */

const iso = (ms: number | null): string =>
  ms === null ? '-' : `${new Date(ms).toISOString().slice(0, 19)}Z`;

const latency = (s: ServiceStatus): string =>
  s.latencyP50Ms === null || s.latencyP95Ms === null
    ? '-'
    : `${Math.round(s.latencyP50Ms)} / ${Math.round(s.latencyP95Ms)} ms`;

const percent = (r: number | null): string =>
  r === null ? '-' : `${(Math.floor(r * 10_000) / 100).toFixed(2)} %`;

function lastCheck(s: ServiceStatus): string {
  if (s.lastAt === null) return '-';
  const what = s.lastStatusCode !== null ? String(s.lastStatusCode) : (s.lastErrorClass ?? '');
  return what === '' ? iso(s.lastAt) : `${iso(s.lastAt)} (${what})`;
}

const incident = (s: ServiceStatus): string =>
  s.openIncident === null ? '-' : `${s.openIncident.kind} since ${iso(s.openIncident.openedAt)}`;

export function statusTable(list: readonly ServiceStatus[]): string {
  return renderTable(
    ['url', 'method', 'state', 'since', 'last check', 'p50 / p95', 'uptime 24h', 'open incident'],
    list.map((s) => [
      s.url,
      s.method,
      s.state ?? 'no data',
      iso(s.since),
      lastCheck(s),
      latency(s),
      percent(s.uptime24h),
      incident(s),
    ]),
  );
}

/**
 * 1 when any service is down, 3 when any is degraded (down wins), else 0. A service without results
 * yet ("no data") does not change it: a fresh start is not an outage.
 */
export function statusExitCode(list: readonly ServiceStatus[]): number {
  if (list.some((s) => s.state === 'down')) return 1;
  if (list.some((s) => s.state === 'degraded')) return 3;
  return 0;
}
