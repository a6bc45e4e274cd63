import { maskChannelSecrets } from '../../config/channel-secrets.js';
import { LIMITS } from '../../config/limits.js';
import { serviceMatches } from '../../config/maintenance-validate.js';
import type { AlertChannelConfig, MaintenanceWindowConfig, MonitorConfig } from '../../config/types.js';
import { maskUri } from '../../config/uri.js';
import { pythonValue } from './config-tables.js';
import { renderTable } from './table.js';

/**
 * The tables and JSON of `config alerts show` and `config maintenance show`: secrets masked
 * (channel-secrets.ts), service URLs shown with their password masked.
 */

/** One channel as shown and printed by --json; `services` = masked URLs of the services naming it. */
export interface ChannelJson {
  name: string;
  type: unknown;
  target: unknown;
  headers: Record<string, string>;
  secret: string | null;
  timeout: number;
  services: string[];
}

export function channelsJson(config: MonitorConfig): ChannelJson[] {
  return Object.entries(config.alerts ?? {}).map(([name, raw]) => {
    const c: AlertChannelConfig = maskChannelSecrets(raw);
    return {
      name,
      type: c.type,
      target: c.target,
      headers: c.headers ?? {},
      secret: c.secret ?? null,
      timeout: c.timeout ?? LIMITS['alerts.timeout'].default,
      services: config.services.filter((s) => s.alerts?.includes(name)).map((s) => maskUri(s.url)),
    };
  });
}

export function channelsTable(config: MonitorConfig): string {
  const rows = channelsJson(config).map((c) => [
    c.name,
    pythonValue(c.type),
    pythonValue(c.target),
    Object.keys(c.headers).length === 0 ? 'None' : pythonValue(c.headers),
    pythonValue(c.secret),
    String(c.timeout),
    String(c.services.length),
  ]);
  return renderTable(['name', 'type', 'target', 'headers', 'secret', 'timeout', 'services'], rows);
}

export interface WindowJson extends MaintenanceWindowConfig {
  name: string;
}

/** Windows as written (nothing in them is secret but a service URL's password, masked). */
export function windowsJson(config: MonitorConfig): WindowJson[] {
  return Object.entries(config.maintenance ?? {}).map(([name, w]) => ({
    name,
    ...w,
    ...(Array.isArray(w.services) ? { services: w.services.map((r) => maskUri(r)) } : {}),
  }));
}

/** When a window is, in one cell: `START .. END`, or `CRON for DURATION (TZ)`. */
function when(w: MaintenanceWindowConfig): string {
  if (w.cron != null) return `${w.cron} for ${w.duration ?? '?'} (${w.timezone ?? 'UTC'})`;
  return `${w.start ?? '?'} .. ${w.end ?? '?'}`;
}

export function windowsTable(config: MonitorConfig): string {
  const rows = Object.entries(config.maintenance ?? {}).map(([name, w]) => {
    const refs = Array.isArray(w.services) ? w.services : null;
    // How many configured services it covers, so a window that covers nothing shows 0.
    const covers = config.services.filter(
      (s) => refs === null || refs.some((r) => serviceMatches(s, r)),
    ).length;
    return [name, when(w), refs === null ? 'all' : refs.map((r) => maskUri(r)).join(', '), String(covers)];
  });
  return renderTable(['name', 'when', 'services', 'covers'], rows);
}
