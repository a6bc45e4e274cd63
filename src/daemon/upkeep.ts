import type { MonitorConfig } from '../config/types.js';
import { checkRemoteTable } from '../db/remote/migrate.js';
import { DEFAULT_REMOTE_TABLE, type RemoteTable } from '../db/remote/table.js';
import { runUpkeep, type UpkeepSettings } from '../db/remote/upkeep.js';
import { type RemoteExport, RemoteOff } from '../export/remote-export.js';
import type { Logger } from '../log/logger.js';

/**
 * The daemon's `upkeep` job (src/db/remote/upkeep.ts): run on the exporter's pool, after its
 * migration, with the config's `remote` settings as of the last reload. One line per partition
 * created or dropped goes to the log; a setting that cannot apply is said once per run of the daemon.
 */
export interface Upkeep {
  /** The job handler. Rejects on a remote failure (the job is retried with backoff). */
  run(): Promise<void>;
  /** A reload: the next run uses these settings. */
  reload(config: MonitorConfig): void;
}

function settingsOf(config: MonitorConfig): UpkeepSettings {
  const remote = config.remote ?? {};
  return {
    partition: remote.partition,
    partitionsAhead: remote.partitions_ahead,
    retentionDays: remote.retention_days ?? null,
    rollupRetentionDays: remote.rollup_retention_days ?? null,
  };
}

function targetOf(config: MonitorConfig): RemoteTable {
  return checkRemoteTable({
    schema: config.export?.schema ?? DEFAULT_REMOTE_TABLE.schema,
    table: config.export?.table ?? DEFAULT_REMOTE_TABLE.table,
  });
}

export function createUpkeep(config: MonitorConfig, remote: RemoteExport, logger: Logger): Upkeep {
  const log = logger.child({ module: 'upkeep' });
  let current = config;
  const said = new Set<string>();
  return {
    async run() {
      const target = targetOf(current);
      const settings = settingsOf(current);
      let report: Awaited<ReturnType<typeof runUpkeep>>;
      try {
        report = await remote.withRemote((client) => runUpkeep(client, target, settings));
      } catch (err) {
        // Export is off (no URI, or a reload removed it): there is nothing to keep up.
        if (err instanceof RemoteOff) return;
        throw err;
      }
      if (!report.ran) {
        log.debug('another agent holds the upkeep lock; skipped');
        return;
      }
      for (const line of report.lines) log.info(line);
      for (const notice of report.notices) {
        if (said.has(notice)) continue;
        said.add(notice);
        log.warn(notice);
      }
    },
    reload(next) {
      current = next;
    },
  };
}
