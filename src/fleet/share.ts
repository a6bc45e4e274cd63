import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import type { ResolvedService } from '../config/resolve.js';
import { toError } from '../errors.js';
import { RemoteOff } from '../export/remote-export.js';
import type { Logger } from '../log/logger.js';
import type { ProbeResult } from '../results/types.js';
import { type Gap, gapOf } from './gap.js';
import type { LeaseTiming } from './lease-timing.js';
import { type LeaseTables, leaseRound, type RoundOutcome, releaseAll } from './leases.js';

/**
 * share mode's policy: which services this agent probes. It probes exactly the services it holds
 * a lease for, and trusts each lease until (monotonic time when the round that renewed it
 * started) + ttl − margin (lease-timing.ts). A round that cannot reach PostgreSQL changes nothing;
 * the deadline timer then stops the services whose leases ran out, with one log line, and the
 * next successful round takes them up again if they are still this agent's.
 */

export interface ShareOptions {
  pool: string;
  agent: string;
  timing: LeaseTiming;
  tables: LeaseTables;
  /** A PostgreSQL client for one call (RemoteExport.withRemote). */
  withRemote: <T>(fn: (client: pg.PoolClient) => Promise<T>) => Promise<T>;
  /** The services to probe from now on (the agent's setServices). */
  probe(services: ResolvedService[]): void;
  /** Records results made outside the queue: a takeover's missed slots. */
  record(results: ProbeResult[]): void;
  logger: Logger;
  /** Epoch ms. Default Date.now. */
  now?: () => number;
  /** Monotonic ms. Default performance.now. */
  mono?: () => number;
}

export interface SharePolicy {
  /** The configured services (start, reload); held ones no longer configured stop at once. */
  setConfigured(services: readonly ResolvedService[]): void;
  /** One lease round; never rejects. */
  round(): Promise<void>;
  /** At shutdown, after the agent stopped probing: end this agent's leases. Never rejects. */
  release(): Promise<void>;
  /** The service keys probed now. */
  held(): string[];
}

export function createSharePolicy(options: ShareOptions): SharePolicy {
  const { timing, logger: log } = options;
  const now = options.now ?? Date.now;
  const mono = options.mono ?? (() => performance.now());
  let configured = new Map<string, ResolvedService>();
  /** Held service key → the monotonic time its lease stops being trusted. */
  const held = new Map<string, number>();
  /** What the agent was last given (the same objects: a reload replaces them). */
  let probing: ResolvedService[] = [];
  let timer: NodeJS.Timeout | null = null;
  let failing: string | null = null;
  let closed = false;

  /** Hands the held services to the agent, when the set (or a service's settings) changed. */
  function sync(): void {
    const list: ResolvedService[] = [];
    for (const key of [...held.keys()].sort()) {
      const s = configured.get(key);
      if (s) list.push(s);
    }
    if (list.length === probing.length && list.every((s, i) => s === probing[i])) return;
    probing = list;
    options.probe(list);
  }

  function drop(keys: Iterable<string>): void {
    for (const k of keys) held.delete(k);
    sync();
  }

  function arm(): void {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    if (closed || held.size === 0) return;
    const next = Math.min(...held.values());
    timer = setTimeout(expire, Math.max(0, next - mono()));
    timer.unref();
  }

  /** Leases that could not be renewed in time: stop probing them before anyone else may. */
  function expire(): void {
    timer = null;
    const m = mono();
    const out = [...held].filter(([, deadline]) => deadline <= m).map(([k]) => k);
    if (out.length > 0) {
      drop(out);
      log.warn(
        { module: 'fleet', services: out.length, held: held.size },
        `share: the leases of ${out.length} services could not be renewed in time (${failing ?? 'no lease round finished'}): stopped probing them; a lease round takes them up again`,
      );
    }
    arm();
  }

  function reportGaps(gaps: Gap[]): void {
    const missed = gaps.flatMap((g) => g.missed);
    if (missed.length > 0) {
      try {
        options.record(missed);
      } catch (e: unknown) {
        log.error(
          { module: 'fleet' },
          `share: recording a takeover's missed slots failed: ${toError(e).message}`,
        );
      }
    }
    for (const g of gaps) {
      const last = g.lastSlotAt === null ? 'none' : new Date(g.lastSlotAt).toISOString();
      const first = g.firstSlotAt === null ? 'never' : new Date(g.firstSlotAt).toISOString();
      const leftOut =
        g.leftOutMs > 0 ? `, ${(g.leftOutMs / 1000).toFixed(1)} s of earlier slots not written` : '';
      log.info(
        {
          module: 'fleet',
          service: g.serviceKey,
          from: g.previousAgent,
          gapMs: g.gapMs,
          missed: g.missed.length,
        },
        `share: took over ${g.serviceKey} from ${g.previousAgent} (lease ended ${new Date(g.endedAt).toISOString()}): gap ${(g.gapMs / 1000).toFixed(1)} s from the last result in PostgreSQL (${last}) to the first slot here (${first}), ${g.missed.length} slots recorded as missed${leftOut}`,
      );
    }
  }

  function applied(out: RoundOutcome, startedMono: number): void {
    const deadline = startedMono + timing.ttlMs - timing.marginMs;
    const before = new Set(held.keys());
    const keep = [...out.renewed, ...out.acquired].filter((k) => configured.has(k));
    held.clear();
    // A round slower than the lease itself proves nothing about now: the next one renews them.
    if (deadline > mono()) for (const k of keep) held.set(k, deadline);
    const lost = [...before].filter((k) => !held.has(k) && !out.released.includes(k));
    if (lost.length > 0) {
      log.warn(
        { module: 'fleet', services: lost.length },
        `share: ${lost.length} leases were no longer this agent's (lapsed or taken over): stopped probing them`,
      );
    }
    // Read before the agent schedules them: its first slots are at or after this time.
    const t = now();
    const gaps: Gap[] = [];
    for (const tk of out.takeovers) {
      const service = configured.get(tk.serviceKey);
      if (service && held.has(tk.serviceKey)) gaps.push(gapOf(tk, service, options.agent, t, t));
    }
    sync();
    reportGaps(gaps);
    if (out.acquired.length > 0 || out.released.length > 0) {
      log.info(
        {
          module: 'fleet',
          members: out.members,
          share: out.share,
          held: held.size,
          acquired: out.acquired.length,
          released: out.released.length,
        },
        `share: pool ${options.pool}: ${out.members} agents, share ${out.share}: holding ${held.size} (+${out.acquired.length} acquired, -${out.released.length} released)`,
      );
    }
    arm();
  }

  function failed(e: Error): void {
    const msg =
      e instanceof RemoteOff
        ? 'share mode needs the export to PostgreSQL (external_database_uri, without --no-export): probing nothing'
        : `lease round failed: ${e.message}`;
    if (msg !== failing) {
      const until = held.size > 0 ? Math.max(0, Math.min(...held.values()) - mono()) : 0;
      log.error(
        { module: 'fleet', held: held.size },
        held.size > 0
          ? `share: ${msg}; probing the ${held.size} held services for ${(until / 1000).toFixed(1)} s more at most`
          : `share: ${msg}`,
      );
    }
    failing = msg;
  }

  return {
    setConfigured(services) {
      configured = new Map(services.map((s) => [s.key, s]));
      // Not configured any more: stopped now; the next round ends their leases.
      for (const k of [...held.keys()]) if (!configured.has(k)) held.delete(k);
      sync();
    },
    async round() {
      if (closed) return;
      const startedMono = mono();
      const keys = [...configured.keys()];
      try {
        const out = await options.withRemote((client) =>
          leaseRound(client, options.tables, {
            pool: options.pool,
            agent: options.agent,
            configured: keys,
            ttlMs: timing.ttlMs,
            beforeRelease: (released) => drop(released),
          }),
        );
        if (closed) return;
        if (failing !== null) {
          log.info({ module: 'fleet' }, 'share: lease rounds work again');
          failing = null;
        }
        applied(out, startedMono);
      } catch (err: unknown) {
        failed(toError(err));
      }
    },
    async release() {
      closed = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      held.clear();
      try {
        const n = await options.withRemote((client) =>
          releaseAll(client, options.tables, options.pool, options.agent),
        );
        log.info(
          { module: 'fleet', released: n },
          `share: released ${n} leases for the other agents of pool ${options.pool}`,
        );
      } catch (err: unknown) {
        if (err instanceof RemoteOff) return;
        log.warn(
          { module: 'fleet' },
          `share: could not release the leases (${toError(err).message}): the other agents take them over when they expire`,
        );
      }
    },
    held: () => [...held.keys()].sort(),
  };
}
