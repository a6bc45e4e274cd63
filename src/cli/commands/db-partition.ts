import pg from 'pg';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { readConfig } from '../../config/file.js';
import { LIMITS } from '../../config/limits.js';
import { FLEET_DEFAULTS } from '../../config/types.js';
import { maskUri } from '../../config/uri.js';
import { CannotConvert, type ConversionPlan, convertTable, planConversion } from '../../db/remote/convert.js';
import { partitionName, serverNow } from '../../db/remote/partitions.js';
import { describeRemoteError } from '../../db/remote/sqlstate.js';
import { qualifiedName, type RemoteTable } from '../../db/remote/table.js';
import { ConfigError, MonitorError, toError } from '../../errors.js';
import { type ConfigPathArgs, withConfigPath, withYes, type YesArgs } from '../options.js';
import { printLine } from '../output/write.js';
import { confirm } from '../prompt.js';
import { remoteTargetOf } from '../remote-target.js';
import { strictCommand } from './config-common.js';

/**
 * `monitor db partition [--yes]`: convert the existing plain results table into a partitioned one
 * in place (src/db/remote/convert.ts), after showing the plan. docs/scale-out.md.
 */

type PartitionArgs = ConfigPathArgs & YesArgs;

const iso = (ms: number | null): string =>
  ms === null ? '-' : new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

function planLines(target: RemoteTable, plan: ConversionPlan): string[] {
  const first = plan.ranges[0]!;
  const last = plan.ranges[plan.ranges.length - 1]!;
  const lines = [
    `Rows: ${plan.rows}, request_timestamp from ${iso(plan.min)} to ${iso(plan.max)}`,
    `Partitions to create (per ${plan.unit}): ${plan.ranges.length}, ${partitionName(target.table, first.from)} … ${partitionName(target.table, last.from)}, and ${target.table}_default`,
    `The rows are copied into the partitioned table; the old table is kept as ${qualifiedName({ ...target, table: `${target.table}_unpartitioned` })}.`,
    'Exports wait while it runs (readers keep reading); nothing changes if it fails.',
  ];
  if (plan.views.length > 0) {
    lines.push(
      `Warning: views ${plan.views.join(', ')} read the table by identity and will keep reading the old table: recreate them afterwards.`,
    );
  }
  return lines;
}

async function partitionHandler(argv: ArgumentsCamelCase<PartitionArgs>): Promise<void> {
  const config = readConfig(argv['config-path'], { validate: false });
  const { uri, table: target } = remoteTargetOf(config, argv['config-path']);
  const unit = config.remote?.partition ?? FLEET_DEFAULTS.partition;
  if (unit === 'none') {
    throw new ConfigError(
      `remote.partition is "none" in ${argv['config-path']}: set it to day, week or month to partition`,
    );
  }
  const ahead = config.remote?.partitions_ahead ?? LIMITS['remote.partitions_ahead'].default;
  printLine(`PostgreSQL: ${maskUri(uri)}`);
  printLine(`Table: ${qualifiedName(target)}`);
  const client = new pg.Client({
    connectionString: uri,
    connectionTimeoutMillis: 10_000,
    application_name: 'monitor db partition',
  });
  // A connection dropped between queries is reported by the query that fails; this keeps it from crashing.
  client.on('error', () => {});
  try {
    await client.connect();
    const now = await serverNow(client);
    const plan = await planConversion(client, target, unit, ahead, now);
    for (const line of planLines(target, plan)) printLine(line);
    if (!(await confirm(`Partition ${qualifiedName(target)} now?`, { yes: argv.yes }))) {
      printLine('Nothing changed.');
      process.exitCode = 1;
      return;
    }
    const started = Date.now();
    const done = await convertTable(client, target, { unit, ahead, now });
    printLine(
      `Copied ${done.copied} rows into ${done.plan.ranges.length} partitions in ${((Date.now() - started) / 1000).toFixed(1)} s: ${qualifiedName(target)} is partitioned by ${unit}.`,
    );
    printLine(
      `The old table is kept as ${qualifiedName(done.kept)}; drop it when you no longer need it: DROP TABLE ${qualifiedName(done.kept)};`,
    );
  } catch (err) {
    if (err instanceof MonitorError) throw err; // no answer to the question (exit 2)
    if (err instanceof CannotConvert) throw new MonitorError('E_REMOTE', err.message);
    throw new MonitorError(
      'E_REMOTE',
      `cannot partition ${qualifiedName(target)}: ${describeRemoteError(toError(err))}`,
      {
        cause: err,
      },
    );
  } finally {
    await client.end().catch(() => {});
  }
}

export const dbPartitionCommand: CommandModule<object, PartitionArgs> = {
  command: 'partition',
  describe:
    'Convert the existing (unpartitioned) PostgreSQL table into one partitioned by request_timestamp, in place, keeping every row.',
  builder: (y: Argv) => withYes(withConfigPath(strictCommand(y))) as Argv<PartitionArgs>,
  handler: partitionHandler,
};
