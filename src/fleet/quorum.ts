/**
 * The state of a service across the fleet's locations (replicate mode), from each agent's row of
 * `<table>_service_state` (docs/fleet.md, "Quorum"). Pure: the CLI reads the rows, this decides.
 *
 * - Only rows of live agents count. A lost agent's row (its agent missed 3 heartbeats) is shown
 *   as `unknown` and never counted: its last word may be minutes old.
 * - A location's state is the BEST of its live agents' states (up > degraded > down; `unknown`,
 *   a missed slot, only when nothing else is known): agents in one location share its network, so
 *   one agent that cannot reach a service while another at the same place can points at that
 *   agent's host, not at the location. A location is down when all its live agents see it down.
 * - n = the locations that report a known state; k = `fleet.quorum`, or a majority of n
 *   (⌊n/2⌋ + 1) when unset. Down when at least k locations are down; `partial` when some but fewer
 *   than k are (with fewer than k locations reporting, an explicit quorum is never reached: at
 *   most partial); else degraded when any location is degraded, else up; unknown when none reports.
 */

export type KnownState = 'up' | 'degraded' | 'down';
export type LocationState = KnownState | 'unknown';
export type FleetState = KnownState | 'partial' | 'unknown';

/** One agent's row for one service. Times are epoch ms. */
export interface AgentServiceRow {
  serviceKey: string;
  location: string;
  agent: string;
  /** up, degraded, down or unknown (the agent's last slot was missed). */
  state: string;
  since: number;
  lastResultAt: number;
  url: string;
  /** The agent's heartbeat is recent (not lost) and it did not stop cleanly. */
  live: boolean;
}

export interface LocationView {
  location: string;
  /** `unknown` also when only lost agents have a row here (`lost` then true). */
  state: LocationState;
  /** When the location entered `state`, as far as its agents know; null when unknown. */
  since: number | null;
  /** No live agent here (all lost or stopped): the location is shown, not counted. */
  lost: boolean;
  agents: Array<{ agent: string; state: string; since: number; lastResultAt: number; live: boolean }>;
}

export interface ServiceQuorum {
  serviceKey: string;
  url: string;
  state: FleetState;
  /** Locations that see it down. */
  down: number;
  /** Locations that report a known state (n). */
  reporting: number;
  /** The quorum applied (k). */
  quorum: number;
  /** When the fleet state began, approximately (see fleetSince). */
  since: number | null;
  locations: LocationView[];
}

const RANK: Record<string, number> = { up: 3, degraded: 2, down: 1 };

function isKnown(state: string): state is KnownState {
  return state === 'up' || state === 'degraded' || state === 'down';
}

function groupInto<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

/** The majority of n locations: ⌊n/2⌋ + 1. */
export function majority(n: number): number {
  return Math.floor(n / 2) + 1;
}

function locationView(location: string, rows: readonly AgentServiceRow[]): LocationView {
  const agents = rows
    .map((r) => ({
      agent: r.agent,
      state: r.state,
      since: r.since,
      lastResultAt: r.lastResultAt,
      live: r.live,
    }))
    .sort((a, b) => a.agent.localeCompare(b.agent));
  const live = rows.filter((r) => r.live);
  const known = live.filter((r) => isKnown(r.state));
  if (known.length === 0) return { location, state: 'unknown', since: null, lost: live.length === 0, agents };
  const best = known.reduce((a, b) => (RANK[b.state]! > RANK[a.state]! ? b : a)).state as KnownState;
  const sinces = known.filter((r) => r.state === best).map((r) => r.since);
  // Down needs every agent down: it began with the last of them. Up or degraded began with the first.
  const since = best === 'down' ? Math.max(...sinces) : Math.min(...sinces);
  return { location, state: best, since, lost: false, agents };
}

/**
 * Approximately when the fleet state began: down, when the k-th location went down; partial, when
 * the first did; up or degraded, the latest change of a reporting location.
 */
function fleetSince(state: FleetState, counted: readonly LocationView[], k: number): number | null {
  const downSinces = counted
    .filter((l) => l.state === 'down')
    .map((l) => l.since as number)
    .sort((a, b) => a - b);
  if (state === 'down') return downSinces[k - 1] ?? null;
  if (state === 'partial') return downSinces[0] ?? null;
  if (counted.length === 0) return null;
  return Math.max(...counted.map((l) => l.since as number));
}

/** One service's fleet state from its rows (any order). `quorum`: fleet.quorum, null = majority. */
export function serviceQuorum(rows: readonly AgentServiceRow[], quorum: number | null): ServiceQuorum {
  const first = rows[0];
  if (first === undefined) throw new RangeError('serviceQuorum needs at least one row');
  const byLocation = new Map<string, AgentServiceRow[]>();
  for (const r of rows) groupInto(byLocation, r.location, r);
  const locations = [...byLocation]
    .map(([location, rs]) => locationView(location, rs))
    .sort((a, b) => a.location.localeCompare(b.location));
  const counted = locations.filter((l) => l.state !== 'unknown');
  const n = counted.length;
  const k = quorum ?? majority(n);
  const down = counted.filter((l) => l.state === 'down').length;
  let state: FleetState;
  if (n === 0) state = 'unknown';
  else if (down >= k) state = 'down';
  else if (down > 0) state = 'partial';
  else if (counted.some((l) => l.state === 'degraded')) state = 'degraded';
  else state = 'up';
  // The newest URL an agent reported (they are equal when the agents share the config).
  const url = rows.reduce((a, b) => (b.lastResultAt > a.lastResultAt ? b : a)).url;
  return {
    serviceKey: first.serviceKey,
    url,
    state,
    down,
    reporting: n,
    quorum: k,
    since: fleetSince(state, counted, k),
    locations,
  };
}

/** Every service's fleet state, ordered by URL then key. */
export function fleetQuorum(rows: readonly AgentServiceRow[], quorum: number | null): ServiceQuorum[] {
  const byService = new Map<string, AgentServiceRow[]>();
  for (const r of rows) groupInto(byService, r.serviceKey, r);
  return [...byService.values()]
    .map((rs) => serviceQuorum(rs, quorum))
    .sort((a, b) => a.url.localeCompare(b.url) || a.serviceKey.localeCompare(b.serviceKey));
}

/** `monitor status --global`'s exit code: 1 any down, 4 any partial, 3 any degraded, else 0. */
export function fleetExitCode(list: readonly ServiceQuorum[]): number {
  if (list.some((s) => s.state === 'down')) return 1;
  if (list.some((s) => s.state === 'partial')) return 4;
  if (list.some((s) => s.state === 'degraded')) return 3;
  return 0;
}
