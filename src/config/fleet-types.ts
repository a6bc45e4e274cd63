/**
 * The fleet's and the remote tables' settings (docs/fleet.md, docs/scale-out.md); part of the
 * config's types (types.ts re-exports them).
 */

export const FLEET_MODES = ['replicate', 'share'] as const;
export type FleetMode = (typeof FLEET_MODES)[number];

/**
 * How agents that share a config (or configs with the same services) and one PostgreSQL divide
 * the work (docs/fleet.md).
 */
export interface FleetSettings {
  /**
   * "replicate": every agent probes every service from its location. "share": the agents of a
   * pool divide the services through leases in PostgreSQL. Default "replicate".
   */
  mode?: FleetMode;
  /** share: agents with the same pool name divide that pool's services. Default "default". */
  pool?: string;
  /**
   * share: a dead agent's services are probed by another agent within this long, seconds (leases
   * last 2/3 of it and are renewed every 1/6: docs/fleet.md). Default 30.
   */
  lease_seconds?: number;
  /**
   * replicate: how many locations must see a service down for it to be down across the fleet
   * (fewer is "partial"). Default: a majority of the locations that reported it.
   */
  quorum?: number | null;
  [unknownKey: string]: unknown;
}

export const REMOTE_PARTITIONS = ['day', 'week', 'month', 'none'] as const;
export type RemotePartition = (typeof REMOTE_PARTITIONS)[number];

/** The remote tables at scale (docs/scale-out.md). */
export interface RemoteSettings {
  /**
   * A results table that monitor creates is range-partitioned by request_timestamp, one partition
   * per day/week/month; "none" creates a plain table. An existing table is never changed (see
   * `monitor db partition`). Default "day".
   */
  partition?: RemotePartition;
  /** Partitions created ahead of the current one. Default 3. */
  partitions_ahead?: number;
  /** Raw results older than this many days are dropped, a whole partition at a time. Default none (kept). */
  retention_days?: number | null;
  /** Rollup rows older than this many days are deleted. Default none (kept). */
  rollup_retention_days?: number | null;
  [unknownKey: string]: unknown;
}

/** Fleet and remote-table defaults, one copy (docs/fleet.md, docs/scale-out.md). */
export const FLEET_DEFAULTS = {
  mode: 'replicate',
  pool: 'default',
  partition: 'day',
} as const satisfies { mode: FleetMode; pool: string; partition: RemotePartition };
