import { checkLimit } from './limits.js';
import { FLEET_MODES, type FleetSettings, REMOTE_PARTITIONS, type RemoteSettings } from './types.js';

/** The value rules of `agent_location`, `fleet` and `remote`, one line per problem. */

/** Names that end up in SQL values and labels: printable, one line, bounded. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,62}$/;

const shown = (v: unknown): string => JSON.stringify(v) ?? String(v);

export function agentLocationProblems(location: unknown): string[] {
  if (location === undefined) return [];
  if (typeof location !== 'string' || !NAME.test(location)) {
    return [
      `agent_location must be 1-63 letters, digits, '.', '_', ':' or '-' (starting with a letter or digit), got ${shown(location)}`,
    ];
  }
  return [];
}

/** Days of retention: a whole number from 1 to 36,500, or null for none. */
function daysProblem(where: string, v: unknown): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 36_500) {
    return `${where} must be a whole number of days from 1 to 36500 (or null to keep everything), got ${shown(v)}`;
  }
  return null;
}

export function fleetProblems(fleet: FleetSettings | undefined): string[] {
  if (fleet === undefined) return [];
  const problems: string[] = [];
  if (fleet.mode !== undefined && !(FLEET_MODES as readonly unknown[]).includes(fleet.mode)) {
    problems.push(`fleet.mode must be one of ${FLEET_MODES.join(', ')}, got ${shown(fleet.mode)}`);
  }
  if (fleet.pool !== undefined && !(typeof fleet.pool === 'string' && NAME.test(fleet.pool))) {
    problems.push(
      `fleet.pool must be 1-63 letters, digits, '.', '_', ':' or '-' (starting with a letter or digit), got ${shown(fleet.pool)}`,
    );
  }
  if (fleet.lease_seconds !== undefined) {
    const p = checkLimit('fleet.lease_seconds', fleet.lease_seconds);
    if (p) problems.push(p);
  }
  const q = fleet.quorum;
  if (
    q !== undefined &&
    q !== null &&
    !(typeof q === 'number' && Number.isInteger(q) && q >= 1 && q <= 100)
  ) {
    problems.push(
      `fleet.quorum must be a whole number of locations from 1 to 100 (or null for a majority), got ${shown(q)}`,
    );
  }
  return problems;
}

export function remoteProblems(remote: RemoteSettings | undefined): string[] {
  if (remote === undefined) return [];
  const problems: string[] = [];
  if (
    remote.partition !== undefined &&
    !(REMOTE_PARTITIONS as readonly unknown[]).includes(remote.partition)
  ) {
    problems.push(
      `remote.partition must be one of ${REMOTE_PARTITIONS.join(', ')}, got ${shown(remote.partition)}`,
    );
  }
  if (remote.partitions_ahead !== undefined) {
    const p = checkLimit('remote.partitions_ahead', remote.partitions_ahead);
    if (p) problems.push(p);
  }
  for (const key of ['retention_days', 'rollup_retention_days'] as const) {
    const p = daysProblem(`remote.${key}`, remote[key]);
    if (p) problems.push(p);
  }
  const raw = remote.retention_days;
  const rolled = remote.rollup_retention_days;
  if (typeof raw === 'number' && typeof rolled === 'number' && rolled < raw) {
    problems.push(
      `remote.rollup_retention_days (${rolled}) must not be shorter than remote.retention_days (${raw}): rollups outlive the raw rows`,
    );
  }
  return problems;
}
