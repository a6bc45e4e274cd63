import { referenceEnv } from '../config/env-file.js';
import { resolveHttp } from '../config/http-settings.js';
import type { MonitorConfig } from '../config/types.js';
import type { ServiceStatus } from '../live/types.js';

/** How long `monitor status` waits for a running daemon before reading the database itself. */
const API_TIMEOUT_MS = 1_500;

/**
 * The running daemon's view (GET /api/status with the config's token), or null when no daemon
 * answers there: `monitor status` then reads the local database. A daemon in public mode hides
 * URLs from its API, so it is not asked.
 */
export async function statusFromDaemon(config: MonitorConfig): Promise<ServiceStatus[] | null> {
  let http: ReturnType<typeof resolveHttp>;
  try {
    http = resolveHttp(config.http, {}, referenceEnv(config.env_file as string | undefined, process.cwd()));
  } catch {
    return null;
  }
  if (!http.enabled || http.public) return null;
  // A daemon listening on every address is reached on loopback.
  const host = http.host === '0.0.0.0' ? '127.0.0.1' : http.host === '::' ? '::1' : http.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${http.port}/api/status`;
  try {
    const res = await fetch(url, {
      headers: http.token === null ? {} : { authorization: `Bearer ${http.token}` },
      signal: AbortSignal.timeout(API_TIMEOUT_MS),
    });
    if (res.status !== 200) {
      await res.body?.cancel();
      return null;
    }
    const body = (await res.json()) as unknown;
    return Array.isArray(body) ? (body as ServiceStatus[]) : null;
  } catch {
    return null;
  }
}
