import type { AgentRow } from '../../fleet/fleet-read.js';
import type { LocationView, ServiceQuorum } from '../../fleet/quorum.js';
import { renderTable } from './table.js';

/** `monitor fleet` and `monitor status --global`: one row per agent, one row per service. */

const iso = (ms: number | null): string =>
  ms === null ? '-' : `${new Date(ms).toISOString().slice(0, 19)}Z`;

/** 4 s, 3 min 20 s, 2 h 5 min, 3 d 4 h. */
export function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 === 0 ? `${m} min` : `${m} min ${s % 60} s`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 === 0 ? `${h} h` : `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

export function agentsTableText(agents: readonly AgentRow[]): string {
  return renderTable(
    [
      'agent',
      'location',
      'version',
      'mode / pool',
      'health',
      'last seen',
      'services',
      'unexported',
      'export lag',
    ],
    agents.map((a) => [
      a.name,
      a.location,
      a.version,
      a.mode === 'share' ? `share / ${a.pool}${a.held === null ? '' : ` (${a.held} held)`}` : a.mode,
      a.health,
      `${ago(a.lastSeenAgoMs)} ago`,
      String(a.services),
      String(a.unexportedRows),
      ago(a.exportLagMs),
    ]),
  );
}

/** "down 2/3", "partial: down 1/3", "up", "unknown". */
export function fleetStateText(s: Pick<ServiceQuorum, 'state' | 'down' | 'reporting'>): string {
  if (s.state === 'down') return `down ${s.down}/${s.reporting}`;
  if (s.state === 'partial') return `partial: down ${s.down}/${s.reporting}`;
  return s.state;
}

const locationText = (l: LocationView): string => `${l.location}: ${l.lost ? 'unknown (lost)' : l.state}`;

export function globalStatusTable(list: readonly ServiceQuorum[]): string {
  return renderTable(
    ['service', 'state', 'locations', 'since'],
    list.map((s) => [s.url, fleetStateText(s), s.locations.map(locationText).join(', '), iso(s.since)]),
  );
}
