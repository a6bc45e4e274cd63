/**
 * share mode's clock arithmetic, from `fleet.lease_seconds` (L). The promise to the user is: the
 * services of an agent that dies are probed by another agent within L of its death. Hence:
 *
 * - a round (renew, release, acquire) every p = L/6;
 * - a lease written to PostgreSQL lasts ttl = L − 2p = 2L/3 from the round's now(): it survives
 *   three missed rounds, and a dead agent's last renewal happened at most p before its death;
 * - the worst case of a takeover: the agent dies at D right after its last renewal was due, so
 *   that renewal's now() ≥ D − p at worst and ≤ D at best: its leases (and its pool membership,
 *   written in the same transaction with the same expiry) end at ≤ D + ttl. A survivor's round
 *   starts at most p later and acquires them in that round (the member is no longer counted, so the
 *   survivors' fair share grows by the dead agent's part): D + ttl + p = D + L − p. The remaining
 *   p covers the round's own latency (job claim ≤ 250 ms, a few statements). The first probe is
 *   then the service's next slot: at most one interval later;
 * - the agent itself trusts a lease until (monotonic time when the renewing round STARTED) + ttl −
 *   margin, margin = p: the round's now() is later than its start, so the local deadline falls at
 *   least p before PostgreSQL's expiry — the room for a timer that fires late, clocks that run at
 *   slightly different rates and slot times read from clocks that differ a little (NTP). An agent
 *   cut off from PostgreSQL therefore stops probing before anyone else can take its services.
 *   While rounds succeed the deadline stays L/2 − p = 2p ahead: two late rounds stop nothing.
 */

export interface LeaseTiming {
  /** fleet.lease_seconds in ms: the takeover bound. */
  leaseMs: number;
  /** Period of lease rounds (the `lease` job), ms. */
  roundEveryMs: number;
  /** How long a lease lasts in PostgreSQL from its round's now(), ms. */
  ttlMs: number;
  /** How much earlier than ttl the agent stops trusting a lease it could not renew, ms. */
  marginMs: number;
}

export function leaseTiming(leaseSeconds: number): LeaseTiming {
  const leaseMs = Math.round(leaseSeconds * 1000);
  const roundEveryMs = Math.floor(leaseMs / 6);
  return { leaseMs, roundEveryMs, ttlMs: leaseMs - 2 * roundEveryMs, marginMs: roundEveryMs };
}

/**
 * How many services one agent holds at most: ceil(configured / live members). Ceil, so that the
 * members together always have room for every service; a member under its share acquires.
 */
export function fairShare(configured: number, members: number): number {
  if (configured <= 0) return 0;
  return Math.ceil(configured / Math.max(1, members));
}
