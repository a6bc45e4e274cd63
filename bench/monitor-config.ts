/**
 * The config file a benchmark hands to `monitor start`: N services at a fixed interval, spread
 * round-robin over the target's origins, service i on `/svc/<i>` (so the target can tell them
 * apart), each with the regex the target's body matches and, when given, the same conditions. Also the services resolved exactly as the
 * daemon resolves them (src/config/resolve.ts), which is what places their slots on the grid.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ResolvedService, resolveService } from '../src/config/resolve.js';
import type { AlertChannelConfig, MonitorConfig, ServiceConfig } from '../src/config/types.js';
import { serviceUrl, type Target } from './target.js';
import { HEALTHY_RESPONSE, type TargetResponse } from './target-body.js';

export interface BenchConfigOptions {
  dir: string;
  services: number;
  /** Seconds between probes. Default 5. */
  intervalSec?: number;
  /** PostgreSQL URI to export to; null = none. */
  remoteUri: string | null;
  /** Runner caps; absent = the monitor's defaults. */
  concurrency?: number;
  perOrigin?: number;
  /** What the target answers; its regex is every service's. Default HEALTHY_RESPONSE. */
  response?: TargetResponse;
  /** Every service's `conditions`. Default none. */
  conditions?: readonly string[];
  /** The config's `alerts` channels, and every service's `alerts` (all of them). Default none. */
  alerts?: Record<string, AlertChannelConfig>;
}

export interface BenchConfig {
  path: string;
  localDatabasePath: string;
  /** services[i] is probed on `/svc/<i>`. */
  services: ResolvedService[];
}

export function writeBenchConfig(target: Pick<Target, 'ports'>, o: BenchConfigOptions): BenchConfig {
  const list: ServiceConfig[] = [];
  for (let i = 0; i < o.services; i++) {
    list.push({
      url: serviceUrl(target, i),
      method: 'GET',
      check_regex: true,
      regex: (o.response ?? HEALTHY_RESPONSE).regex,
      interval_sec: o.intervalSec ?? 5,
      timeout: 15,
      ...(o.conditions && o.conditions.length > 0 ? { conditions: [...o.conditions] } : {}),
      ...(o.alerts ? { alerts: Object.keys(o.alerts) } : {}),
    });
  }
  const runner: Record<string, number> = {};
  if (o.concurrency !== undefined) runner['concurrency'] = o.concurrency;
  if (o.perOrigin !== undefined) runner['per_origin'] = o.perOrigin;
  const config: MonitorConfig = {
    local_database_path: join(o.dir, 'local.sqlite3'),
    external_database_uri: o.remoteUri,
    agent_name: 'bench',
    services: list,
    ...(o.alerts ? { alerts: o.alerts } : {}),
    ...(Object.keys(runner).length > 0 ? { runner } : {}),
  };
  const path = join(o.dir, 'monitoring-config');
  // 0600: the file holds the PostgreSQL password.
  writeFileSync(path, `${JSON.stringify(config)}\n`, { mode: 0o600 });
  return { path, localDatabasePath: config.local_database_path, services: list.map(resolveService) };
}
