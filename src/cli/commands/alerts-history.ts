import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { type IncidentWithDeliveries, incidentHistory } from '../../db/local/index.js';
import { UsageError } from '../../errors.js';
import { type ConfigPathArgs, type JsonArgs, withConfigPath, withJson } from '../options.js';
import { cut, historyJson, iso, lasted, shown } from '../output/incidents.js';
import { renderTable } from '../output/table.js';
import { printJson, printLine } from '../output/write.js';
import { readLocalDatabase } from './alerts-common.js';
import { strictCommand } from './config-common.js';

interface HistoryArgs extends ConfigPathArgs, JsonArgs {
  service?: string;
  limit: number;
}

/** One incident: a heading, its cause, then a table of its delivery attempts. */
function printIncident(i: IncidentWithDeliveries, now: number): void {
  const method = i.method === 'GET' ? '' : `${i.method} `;
  printLine(`${i.kind} ${method}${shown(i.url)} (incident ${i.id})`);
  const when =
    i.resolvedAt === null
      ? `opened ${iso(i.openedAt)}, open for ${lasted(i, now)}`
      : `opened ${iso(i.openedAt)}, resolved ${iso(i.resolvedAt)} (${i.resolution ?? 'resolved'}) after ${lasted(i, now)}`;
  printLine(`  ${when}`);
  printLine(`  cause: ${cut(shown(i.cause), 200)}`);
  if (i.deliveries.length === 0) {
    printLine('  No notifications sent.');
    return;
  }
  printLine(
    renderTable(
      ['at', 'channel', 'kind', 'attempt', 'status', 'code', 'detail'],
      i.deliveries.map((d) => [
        iso(d.at) ?? '',
        d.channel,
        d.kind,
        String(d.attempt),
        d.status,
        d.code === null ? '-' : String(d.code),
        cut(shown(d.detail), 80),
      ]),
    ),
  );
}

/** `monitor alerts history`: incidents newest first, with every delivery attempt of each. */
function handler(args: ArgumentsCamelCase<HistoryArgs>): void {
  if (!Number.isSafeInteger(args.limit) || args.limit < 1) {
    throw new UsageError(`--limit must be a positive whole number, got ${args.limit}`);
  }
  if (args.service === '') throw new UsageError('--service must not be empty');
  const query = { service: args.service, limit: args.limit };
  const incidents = readLocalDatabase(args['config-path'], (ldb) => incidentHistory(ldb, query)) ?? [];
  const now = Date.now();
  if (args.json) {
    printJson({ incidents: incidents.map((i) => historyJson(i, now)) });
    return;
  }
  if (incidents.length === 0) {
    printLine(args.service === undefined ? 'No incidents.' : `No incidents of ${shown(args.service)}.`);
    return;
  }
  incidents.forEach((i, n) => {
    if (n > 0) printLine();
    printIncident(i, now);
  });
  if (incidents.length === args.limit) printLine(`\nShowing the newest ${args.limit} (--limit).`);
}

export const alertsHistoryCommand: CommandModule<object, HistoryArgs> = {
  command: 'history',
  describe: 'List incidents, newest first, with the delivery attempts of their notifications.',
  builder: (y: Argv) =>
    withJson(withConfigPath(strictCommand(y)))
      .option('service', {
        type: 'string',
        requiresArg: true,
        describe: 'Only this service: its URL (any method) or its service key.',
      })
      .option('limit', {
        type: 'number',
        requiresArg: true,
        describe: 'Most incidents listed, newest first.',
        default: 20,
      }) as unknown as Argv<HistoryArgs>,
  handler,
};
