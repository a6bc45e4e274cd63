import { existsSync } from 'node:fs';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { readConfig, tildePath } from '../../config/file.js';
import { registerUriSecrets } from '../../config/uri.js';
import {
  type LocalDatabase,
  listSetAside,
  missingSetAside,
  openLocalDatabase,
  requeueSetAside,
  type SetAsideRow,
} from '../../db/local/index.js';
import { UsageError } from '../../errors.js';
import { scrub } from '../../log/secrets.js';
import { type ConfigPathArgs, type JsonArgs, withConfigPath, withJson } from '../options.js';
import { renderTable } from '../output/table.js';
import { printJson, printLine } from '../output/write.js';
import { strictCommand } from './config-common.js';

interface RejectedArgs extends ConfigPathArgs, JsonArgs {
  retry: boolean;
  id?: string[];
  limit: number;
}

/** A URL's password (http://user:pass@host/) and registered secrets never reach the output. */
function shown(text: string): string {
  return scrub(text).replace(/\b([a-z][a-z0-9+.-]*:\/\/[^\s/:@]*):[^\s/@]*@/gi, '$1:****@');
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function rowJson(r: SetAsideRow): Record<string, unknown> {
  return {
    id: r.id,
    url: shown(r.url),
    method: r.method,
    scheduled_at: iso(r.scheduledAt),
    sqlstate: r.sqlstate,
    reason: shown(r.reason),
    set_aside_at: iso(r.setAsideAt),
  };
}

/** Long URLs and reasons are cut in the table (the JSON has them whole). */
function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function list(ldb: LocalDatabase, args: ArgumentsCamelCase<RejectedArgs>): void {
  const { rows, total } = listSetAside(ldb, args.limit);
  if (args.json) {
    printJson({ total, results: rows.map(rowJson) });
    return;
  }
  if (total === 0) {
    printLine('No results are set aside.');
    return;
  }
  printLine(
    renderTable(
      ['id', 'url', 'scheduled_at', 'sqlstate', 'reason', 'set_aside_at'],
      rows.map((r) => [
        r.id,
        cut(shown(r.url), 60),
        iso(r.scheduledAt),
        r.sqlstate ?? 'None',
        cut(shown(r.reason), 100),
        iso(r.setAsideAt),
      ]),
    ),
  );
  if (total > rows.length) printLine(`${total - rows.length} more not shown (--limit).`);
  printLine(`${total} set aside. Re-send them with: monitor db rejected --retry [--id ID …]`);
}

function retry(ldb: LocalDatabase, args: ArgumentsCamelCase<RejectedArgs>): void {
  const ids = args.id ?? [];
  if (ids.length > 0) {
    const missing = missingSetAside(ldb, ids);
    if (missing.length > 0) {
      throw new UsageError(`no set-aside result with id ${missing.join(', ')}; nothing re-queued`);
    }
  }
  const n = requeueSetAside(ldb, ids.length > 0 ? ids : 'all');
  if (args.json) printJson({ requeued: n });
  else printLine(`${n} result${n === 1 ? '' : 's'} re-queued for export.`);
}

async function handler(args: ArgumentsCamelCase<RejectedArgs>): Promise<void> {
  if (args.id !== undefined && !args.retry) throw new UsageError('--id needs --retry');
  if (!Number.isSafeInteger(args.limit) || args.limit < 1) {
    throw new UsageError(`--limit must be a positive whole number, got ${args.limit}`);
  }
  // Only the local path matters here: a config with a bad service can still be inspected.
  const config = readConfig(args['config-path'], { validate: false });
  registerUriSecrets(config.external_database_uri);
  const path = config.local_database_path;
  if (!existsSync(path)) {
    // Nothing was ever recorded; opening would create the file.
    if (args.json) printJson(args.retry ? { requeued: 0 } : { total: 0, results: [] });
    else printLine(`No local database at ${tildePath(path)} yet: nothing is set aside.`);
    return;
  }
  // A running `monitor start` keeps the file open (WAL): reads do not block it, and each write
  // here is a short transaction it waits for through its busy_timeout.
  const ldb = openLocalDatabase(path);
  try {
    if (args.retry) retry(ldb, args);
    else list(ldb, args);
  } finally {
    ldb.close();
  }
}

export const dbRejectedCommand: CommandModule<object, RejectedArgs> = {
  command: 'rejected',
  describe: 'List the results PostgreSQL refused row by row (set aside), or re-queue them with --retry.',
  builder: (y: Argv) =>
    withJson(withConfigPath(strictCommand(y)))
      .option('retry', {
        type: 'boolean',
        describe: 'Put set-aside results back in the export queue (all, or those given with --id).',
        default: false,
      })
      .option('id', {
        type: 'string',
        array: true,
        requiresArg: true,
        describe: 'A set-aside result to re-queue (repeatable; with --retry).',
      })
      .option('limit', {
        type: 'number',
        describe: 'Most results listed.',
        default: 100,
        requiresArg: true,
      }) as unknown as Argv<RejectedArgs>,
  handler,
};
