import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { openIncidents } from '../../db/local/index.js';
import { type ConfigPathArgs, type JsonArgs, withConfigPath, withJson } from '../options.js';
import { cut, incidentJson, iso, lasted, shown } from '../output/incidents.js';
import { renderTable } from '../output/table.js';
import { printJson, printLine } from '../output/write.js';
import { readLocalDatabase } from './alerts-common.js';
import { strictCommand } from './config-common.js';

type ListArgs = ConfigPathArgs & JsonArgs;

/** `monitor alerts list`: the incidents open now, from the local database. */
function handler(args: ArgumentsCamelCase<ListArgs>): void {
  const open = readLocalDatabase(args['config-path'], openIncidents) ?? [];
  const now = Date.now();
  if (args.json) {
    printJson({ incidents: open.map((i) => incidentJson(i, now)) });
    return;
  }
  if (open.length === 0) {
    printLine('No open incidents.');
    return;
  }
  printLine(
    renderTable(
      ['service', 'kind', 'opened_at', 'open for', 'cause', 'incident'],
      open.map((i) => [
        `${i.method === 'GET' ? '' : `${i.method} `}${cut(shown(i.url), 60)}`,
        i.kind,
        iso(i.openedAt) ?? '',
        lasted(i, now),
        cut(shown(i.cause), 80),
        i.id,
      ]),
    ),
  );
  printLine(`${open.length} open incident${open.length === 1 ? '' : 's'}.`);
}

export const alertsListCommand: CommandModule<object, ListArgs> = {
  command: 'list',
  describe: 'List the open incidents (from the local database; no daemon needed).',
  builder: (y: Argv) => withJson(withConfigPath(strictCommand(y))) as unknown as Argv<ListArgs>,
  handler,
};
