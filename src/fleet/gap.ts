import type { ResolvedService } from '../config/resolve.js';
import { firstSlotAt, slotsBetween } from '../jobs/phase.js';
import type { ProbeResult } from '../results/types.js';
import { missedResult } from '../results/without-response.js';
import type { Takeover } from './leases.js';

/**
 * The gap a takeover leaves: the slots nobody probed between the previous holder and this agent.
 *
 * - The gap is reported from the service's last slot in PostgreSQL to the first slot this agent
 *   probes (the log line's length).
 * - Rows (`missed`, state unknown) are written only for the slots from the END of the previous lease
 *   on: before it the previous holder may have probed slots it has not exported yet (it was cut
 *   off from PostgreSQL, or it comes back and exports its backlog), and a `missed` row beside its
 *   real one would put one slot twice in PostgreSQL. After the end nobody probed: a holder stops
 *   before its lease ends (lease-timing.ts), and this agent starts at its first slot.
 * - At most MAX_GAP_ROWS per service: when every agent was down for a long time, like a single
 *   agent's downtime, nobody was there to miss the slots; the log line says how many were left out.
 */

export const MAX_GAP_ROWS = 100;

export interface Gap {
  serviceKey: string;
  previousAgent: string;
  /** The last slot in PostgreSQL, epoch ms; null when it has none. */
  lastSlotAt: number | null;
  /** When the previous lease ended, epoch ms. */
  endedAt: number;
  /** The first slot this agent probes, epoch ms (null: the schedule never fires again). */
  firstSlotAt: number | null;
  /** From the last slot in PostgreSQL (or the lease's end) to the first slot here, ms. */
  gapMs: number;
  /** Written as missed. */
  missed: ProbeResult[];
  /** The part of the gap after the lease's end whose slots were not written (over MAX_GAP_ROWS), ms. */
  leftOutMs: number;
}

/**
 * The gap of `takeover`, for `service` whose first slot here is the first at or after `from`
 * (the moment the agent starts scheduling it, read before it does).
 */
export function gapOf(
  takeover: Takeover,
  service: ResolvedService,
  agent: string,
  from: number,
  now: number,
): Gap {
  const first = firstSlotAt(service, from);
  const end = first ?? from;
  const start = takeover.lastSlotAt ?? takeover.endedAt;
  // Strictly after the last slot PostgreSQL has, and not before the lease ended.
  const rowsFrom = Math.max(takeover.endedAt, takeover.lastSlotAt === null ? 0 : takeover.lastSlotAt + 1);
  // Never more than MAX_GAP_ROWS slots are even computed (a day-long gap of 10,000 services is big).
  const span = service.cron === null ? service.intervalMs * MAX_GAP_ROWS : 3_600_000;
  const boundedFrom = Math.max(rowsFrom, end - span);
  const slots = boundedFrom < end ? slotsBetween(service, boundedFrom, end) : [];
  const kept = slots.slice(-MAX_GAP_ROWS);
  const keptFrom = kept[0]?.scheduledAt ?? end;
  const cause = `no agent held the service's lease (taken over from ${takeover.previousAgent})`;
  return {
    serviceKey: takeover.serviceKey,
    previousAgent: takeover.previousAgent,
    lastSlotAt: takeover.lastSlotAt,
    endedAt: takeover.endedAt,
    firstSlotAt: first,
    gapMs: Math.max(0, end - start),
    missed: kept.map((s) => missedResult(service, s.scheduledAt, agent, cause, now)),
    leftOutMs: boundedFrom > rowsFrom || slots.length > kept.length ? keptFrom - rowsFrom : 0,
  };
}
