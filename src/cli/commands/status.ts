import type Database from 'better-sqlite3';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { readConfig, tildePath } from '../../config/file.js';
import { resolveService } from '../../config/resolve.js';
import { serviceByNumber } from '../../config/services.js';
import type { MonitorConfig } from '../../config/types.js';
import { registerUriSecrets } from '../../config/uri.js';
import { hasRollupTables, openLocalReadOnly } from '../../db/local/read-only.js';
import { UsageError } from '../../errors.js';
import { createStatusSource, type LiveService } from '../../live/status-source.js';
import type { ServiceStatus } from '../../live/types.js';
import { type ConfigPathArgs, type JsonArgs, withConfigPath, withJson } from '../options.js';
import { statusExitCode, statusTable } from '../output/status-table.js';
import { printJson, printLine } from '../output/write.js';
import { statusFromDaemon } from '../status-api.js';
import { strictCommand } from './config-common.js';
import { globalStatus } from './status-global.js';

/**
 * `monitor status`: every service's state, since when, its last check, latency and uptime, from
 * the running daemon's API (GET /api/status) when it answers, else from the local database's
 * rollups — read-only, so it never creates the file and is safe beside a running daemon (WAL: a
 * reader does not hold up the writer).
 */

interface StatusArgs extends ConfigPathArgs, JsonArgs {
  service?: string;
  watch: boolean;
  global: boolean;
}

/** How often --watch redraws. */
const WATCH_MS = 2_000;

function servicesOf(config: MonitorConfig, number: string | undefined): LiveService[] {
  const chosen = number === undefined ? config.services : [serviceByNumber(config.services, number)];
  return chosen.map((s) => {
    const r = resolveService(s);
    return { key: r.key, url: r.url, method: r.method, origin: r.origin };
  });
}

/** Every service with nothing known: no database yet, or one from before the live view. */
function noData(services: readonly LiveService[]): ServiceStatus[] {
  return services.map((s) => ({
    ...s,
    state: null,
    since: null,
    lastAt: null,
    lastDurationMs: null,
    lastStatusCode: null,
    lastErrorClass: null,
    latencyP50Ms: null,
    latencyP95Ms: null,
    uptime24h: null,
    uptime7d: null,
    uptime30d: null,
    openIncident: null,
  }));
}

function read(sqlite: Database.Database | null, services: readonly LiveService[]): ServiceStatus[] {
  if (sqlite === null || !hasRollupTables(sqlite)) return noData(services);
  return createStatusSource({ sqlite, services: () => services }).status();
}

/** The daemon's answer for these services, in their order; null when it did not answer. */
async function live(
  config: MonitorConfig,
  services: readonly LiveService[],
): Promise<ServiceStatus[] | null> {
  const all = await statusFromDaemon(config);
  if (all === null) return null;
  const byKey = new Map(all.map((s) => [s.key, s]));
  return services.map((s) => byKey.get(s.key) ?? noData([s])[0]!) as ServiceStatus[];
}

function draw(list: readonly ServiceStatus[], json: boolean, note: string | null): number {
  if (json) printJson({ services: list });
  else {
    if (note !== null) printLine(note);
    if (list.length === 0) printLine('No services configured.');
    else printLine(statusTable(list));
  }
  return statusExitCode(list);
}

async function handler(args: ArgumentsCamelCase<StatusArgs>): Promise<void> {
  const config = readConfig(args['config-path'], { validate: false });
  registerUriSecrets(config.external_database_uri);
  if (args.global) {
    if (args.watch) throw new UsageError('--global does not take --watch; run it under watch(1) instead');
    process.exitCode = await globalStatus(config, args['config-path'], args.service, args.json);
    return;
  }
  const services = servicesOf(config, args.service);
  const path = config.local_database_path;
  const sqlite = openLocalReadOnly(path);
  const note =
    sqlite === null ? `No local database at ${tildePath(path)} yet: no service has been probed.` : null;
  try {
    // The running daemon first (its view is the freshest), else the database read-only.
    const current = async () => (await live(config, services)) ?? read(sqlite, services);
    if (!args.watch) {
      process.exitCode = draw(await current(), args.json, note);
      return;
    }
    await watch(async () => draw(await current(), args.json, note), args.json);
    process.exitCode = 0;
  } finally {
    sqlite?.close();
  }
}

/** Redraw every WATCH_MS until SIGINT (or SIGTERM); the screen is cleared only on a terminal. */
async function watch(drawOnce: () => Promise<number>, json: boolean): Promise<void> {
  const clear = process.stdout.isTTY && !json;
  let stop: () => void = () => {};
  const stopped = new Promise<void>((resolve) => {
    stop = resolve;
  });
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    for (;;) {
      if (clear) process.stdout.write('\x1b[H\x1b[2J');
      await drawOnce();
      let timer: NodeJS.Timeout | undefined;
      const tick = new Promise<'tick'>((resolve) => {
        timer = setTimeout(() => resolve('tick'), WATCH_MS);
      });
      const why = await Promise.race([tick, stopped.then(() => 'stop' as const)]);
      clearTimeout(timer);
      if (why === 'stop') return;
    }
  } finally {
    process.removeListener('SIGINT', stop);
    process.removeListener('SIGTERM', stop);
  }
}

export const statusCommand: CommandModule<object, StatusArgs> = {
  command: 'status',
  describe:
    'Show every service: state, since when, last check, latency p50/p95, uptime, open incident. Exit 0 all up, 1 any down, 3 any degraded.',
  builder: (y: Argv) =>
    withJson(withConfigPath(strictCommand(y)))
      .option('service', {
        type: 'string',
        requiresArg: true,
        describe: "Only this service (its NUMBER from 'monitor config services show --numbered').",
      })
      .option('watch', {
        type: 'boolean',
        default: false,
        describe: 'Redraw every 2 s until Ctrl-C.',
      })
      .option('global', {
        type: 'boolean',
        default: false,
        describe:
          "Every service across the fleet's locations, from PostgreSQL (docs/fleet.md): exit 4 when partial (down from fewer locations than the quorum), 5 when PostgreSQL cannot be read.",
      }) as unknown as Argv<StatusArgs>,
  handler,
};
