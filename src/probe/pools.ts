import { readFileSync } from 'node:fs';
import type { LookupFunction } from 'node:net';
import { Agent, type Dispatcher, interceptors } from 'undici';
import { LIMITS } from '../config/limits.js';
import type { ProbePhase } from './classify.js';
import { createTrackingConnector, type TrackingConnector } from './connector.js';
import type { ProberOptions } from './prober.js';

/** What the probes of one host:port share, for ending connection attempts nobody waits for. */
export interface OriginState {
  inFlight: number;
  /** The longest service timeout seen here: the most a connection attempt may take. */
  maxTimeoutMs: number;
}

/**
 * How a service's TLS connections are made: verification (explicit per service), a custom CA
 * bundle and a client certificate for mTLS. Services with the same profile share one pool.
 */
export interface TlsProfile {
  verify: boolean;
  caFile: string | null;
  certFile: string | null;
  keyFile: string | null;
  /**
   * Changes when a file's content may have (their mtimes): a rotated certificate gets a new pool
   * at the next reload instead of the old content for the life of the process.
   */
  version: string;
}

/**
 * The prober's connection pools: one undici Agent per TLS profile (the default one, and others
 * only if a service asks for them) and a redirect-following view of each — a handful of pools
 * in all, never one per probe — with every connection attempt tracked per host:port
 * (connector.ts), so that one nobody waits for any more can be ended.
 */
export interface Pools {
  /** The shared state of `hostPort`, whose attempts may now last up to `timeoutMs`. */
  originFor(hostPort: string, timeoutMs: number): OriginState;
  /** Throws when a file of the profile cannot be read (the service cannot be probed). */
  dispatcherFor(tls: TlsProfile, follow: boolean): Dispatcher;
  /** Before headers, whether this origin was still connecting or in a TLS handshake. */
  responsePhase(hostPort: string): ProbePhase;
  /** Ends the connection attempts to `hostPort` still in progress (its last probe is out). */
  abandon(hostPort: string): void;
  destroy(): Promise<void>;
}

export function createPools(options: ProberOptions, lookup: LookupFunction): Pools {
  const maxRedirections = options.maxRedirections ?? 5;
  const agents: Agent[] = [];
  const trackers: TrackingConnector[] = [];
  const dispatchers = new Map<string, Dispatcher>();
  const origins = new Map<string, OriginState>();
  /** For attempts to a host:port no service names (a redirect's target). */
  let maxTimeoutMs = 0;

  function agentFor(tls: TlsProfile, key: string): Agent {
    let agent = dispatchers.get(`${key}:false`) as Agent | undefined;
    if (agent) return agent;
    const read = (path: string | null) => (path === null ? undefined : readFileSync(path));
    const tracker = createTrackingConnector({
      timeout: options.connectTimeoutMs ?? 30_000,
      timeoutFor: (hostPort) => origins.get(hostPort)?.maxTimeoutMs ?? (maxTimeoutMs || undefined),
      lookup,
      rejectUnauthorized: tls.verify,
      ca: read(tls.caFile),
      cert: read(tls.certFile),
      key: read(tls.keyFile),
    });
    trackers.push(tracker);
    agent = new Agent({
      connections: options.perOrigin ?? LIMITS['runner.per_origin'].default,
      pipelining: 1,
      keepAliveTimeout: options.keepAliveTimeoutMs ?? 4000,
      maxHeaderSize: options.maxHeaderSize ?? 16384,
      connect: tracker.connect,
    });
    agents.push(agent);
    dispatchers.set(`${key}:false`, agent);
    return agent;
  }

  return {
    originFor(hostPort, timeoutMs) {
      let o = origins.get(hostPort);
      if (!o) {
        o = { inFlight: 0, maxTimeoutMs: 0 };
        origins.set(hostPort, o);
      }
      o.maxTimeoutMs = Math.max(o.maxTimeoutMs, timeoutMs);
      maxTimeoutMs = Math.max(maxTimeoutMs, timeoutMs);
      return o;
    },
    dispatcherFor(tls, follow) {
      const profile = `${tls.verify}|${tls.caFile ?? ''}|${tls.certFile ?? ''}|${tls.keyFile ?? ''}|${tls.version}`;
      let d = dispatchers.get(`${profile}:${follow}`);
      if (d) return d;
      const agent = agentFor(tls, profile);
      d = follow ? agent.compose(interceptors.redirect({ maxRedirections })) : agent;
      dispatchers.set(`${profile}:${follow}`, d);
      return d;
    },
    responsePhase(hostPort) {
      for (const t of trackers) {
        const stage = t.stageOf(hostPort);
        if (stage === 'tcp') return 'connect';
        if (stage === 'tls') return 'tls';
      }
      return 'response';
    },
    abandon(hostPort) {
      for (const t of trackers) t.abandon(hostPort);
    },
    async destroy() {
      // destroy, not close: a close would wait for hung requests (a trickling body) to end. undici's
      // destroy leaves a connection attempt in progress running: end those first.
      for (const t of trackers) t.abandonAll();
      await Promise.all(agents.map((a) => a.destroy()));
    },
  };
}
