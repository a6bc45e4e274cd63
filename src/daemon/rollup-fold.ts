import type { MonitorConfig } from '../config/types.js';
import { checkRemoteTable } from '../db/remote/migrate.js';
import { foldRollups } from '../db/remote/rollup-fold.js';
import { DEFAULT_REMOTE_TABLE, type RemoteTable } from '../db/remote/table.js';
import { type RemoteExport, RemoteOff } from '../export/remote-export.js';
import type { Logger } from '../log/logger.js';

/**
 * The daemon's `rollup` job (src/db/remote/rollup-fold.ts): folds the pending rollup rows on the
 * exporter's pool, after its migration, for the table of the config as of the last reload. Nothing
 * is folded at shutdown: pending rows are durable and the next run of any agent folds them.
 */
export interface RollupFold {
  /**
   * The job handler. Resolves true when rows are probably left (the run's budget ran out); rejects
   * on a remote failure (the job is retried with backoff; nothing half-folded stays).
   */
  run(signal: AbortSignal): Promise<boolean>;
  /** A reload: the next run folds this config's table. */
  reload(config: MonitorConfig): void;
}

function targetOf(config: MonitorConfig): RemoteTable {
  return checkRemoteTable({
    schema: config.export?.schema ?? DEFAULT_REMOTE_TABLE.schema,
    table: config.export?.table ?? DEFAULT_REMOTE_TABLE.table,
  });
}

export function createRollupFold(config: MonitorConfig, remote: RemoteExport, logger: Logger): RollupFold {
  const log = logger.child({ module: 'rollup' });
  let current = config;
  return {
    async run(signal) {
      const target = targetOf(current);
      let report: Awaited<ReturnType<typeof foldRollups>>;
      try {
        report = await remote.withRemote((client) => foldRollups(client, target, { signal }));
      } catch (err) {
        // Export is off (no URI, or a reload removed it): nothing is pending from this agent.
        if (err instanceof RemoteOff) return false;
        throw err;
      }
      if (!report.ran) log.debug('another agent holds the rollup fold lock; skipped');
      else if (report.folded > 0) log.debug(`${report.folded} pending rollup rows folded`);
      return report.more && !signal.aborted;
    },
    reload(next) {
      current = next;
    },
  };
}
