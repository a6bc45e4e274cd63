import { resolveService } from '../../config/resolve.js';
import { serviceByNumber } from '../../config/services.js';
import type { MonitorConfig } from '../../config/types.js';
import { readServiceStates } from '../../fleet/fleet-read.js';
import { fleetExitCode, fleetQuorum, type ServiceQuorum } from '../../fleet/quorum.js';
import { withFleetReader } from '../fleet-remote.js';
import { fleetStateText, globalStatusTable } from '../output/fleet-tables.js';
import { printJson, printLine } from '../output/write.js';

/**
 * `monitor status --global`: every service's state across the fleet's locations, from PostgreSQL
 * (src/fleet/quorum.ts decides). Exit 0 up, 1 any down, 4 any partial, 3 any degraded, 5 when
 * PostgreSQL cannot be read.
 */

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

function json(s: ServiceQuorum): Record<string, unknown> {
  return {
    key: s.serviceKey,
    url: s.url,
    state: s.state,
    shown: fleetStateText(s),
    down: s.down,
    reporting: s.reporting,
    quorum: s.quorum,
    since: iso(s.since),
    locations: s.locations.map((l) => ({
      location: l.location,
      state: l.state,
      lost: l.lost,
      since: iso(l.since),
      agents: l.agents.map((a) => ({
        agent: a.agent,
        state: a.live ? a.state : 'unknown',
        reported: a.state,
        live: a.live,
        since: iso(a.since),
        last_result_at: iso(a.lastResultAt),
      })),
    })),
  };
}

export async function globalStatus(
  config: MonitorConfig,
  configPath: string,
  number: string | undefined,
  asJson: boolean,
): Promise<number> {
  const key = number === undefined ? undefined : resolveService(serviceByNumber(config.services, number)).key;
  const quorum = config.fleet?.quorum ?? null;
  const rows = await withFleetReader(config, configPath, 'status --global', (client, table) =>
    readServiceStates(client, table, key),
  );
  const list = fleetQuorum(rows, quorum);
  if (asJson) printJson({ quorum, services: list.map(json) });
  else if (list.length === 0) printLine('No agent has reported a service state yet.');
  else printLine(globalStatusTable(list));
  return fleetExitCode(list);
}
