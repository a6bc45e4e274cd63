import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { readConfig } from '../../config/file.js';
import { registerUriSecrets } from '../../config/uri.js';
import { readAgents } from '../../fleet/fleet-read.js';
import { withFleetReader } from '../fleet-remote.js';
import { type ConfigPathArgs, type JsonArgs, withConfigPath, withJson } from '../options.js';
import { agentsTableText } from '../output/fleet-tables.js';
import { printJson, printLine } from '../output/write.js';
import { strictCommand } from './config-common.js';

/**
 * `monitor fleet`: every agent that ever sent a heartbeat to this PostgreSQL (docs/fleet.md), read
 * only. Exit 0 when every agent is ok, behind or stopped, 1 when any is lost, 5 when PostgreSQL
 * cannot be read.
 */
async function handler(args: ArgumentsCamelCase<ConfigPathArgs & JsonArgs>): Promise<void> {
  const config = readConfig(args['config-path'], { validate: false });
  registerUriSecrets(config.external_database_uri);
  const agents = await withFleetReader(config, args['config-path'], 'fleet', readAgents);
  if (args.json) {
    printJson({
      agents: agents.map((a) => ({
        name: a.name,
        location: a.location,
        version: a.version,
        mode: a.mode,
        pool: a.pool,
        host: a.host,
        pid: a.pid,
        started_at: new Date(a.startedAt).toISOString(),
        health: a.health,
        last_seen_ago_ms: Math.round(a.lastSeenAgoMs),
        heartbeat_ms: a.heartbeatMs,
        services: a.services,
        unexported_rows: a.unexportedRows,
        export_lag_ms: a.exportLagMs,
        held: a.held,
      })),
    });
  } else if (agents.length === 0) {
    printLine('No agent has sent a heartbeat yet.');
  } else {
    printLine(agentsTableText(agents));
  }
  process.exitCode = agents.some((a) => a.health === 'lost') ? 1 : 0;
}

export const fleetCommand: CommandModule<object, ConfigPathArgs & JsonArgs> = {
  command: 'fleet',
  describe:
    'Show the agents that export to this PostgreSQL: location, version, mode, health (ok / behind / lost / stopped), backlog. Exit 0 none lost, 1 any lost, 5 PostgreSQL unreadable.',
  builder: (y: Argv) =>
    withJson(withConfigPath(strictCommand(y))) as unknown as Argv<ConfigPathArgs & JsonArgs>,
  handler,
};
