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
 * The prober's connection pools: one undici Agent per TLS policy (verification is explicit per
 * service, so the lax one exists only if a service asks for it) and a redirect-following view of
 * each — a handful of pools in all, never one per probe — with every connection attempt tracked
 * per host:port (connector.ts), so that one nobody waits for any more can be ended.
 */
export interface Pools {
  /** The shared state of `hostPort`, whose attempts may now last up to `timeoutMs`. */
  originFor(hostPort: string, timeoutMs: number): OriginState;
  dispatcherFor(tlsVerify: boolean, follow: boolean): Dispatcher;
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

  function agentFor(tlsVerify: boolean): Agent {
    let agent = dispatchers.get(`${tlsVerify}:false`) as Agent | undefined;
    if (agent) return agent;
    const tracker = createTrackingConnector({
      timeout: options.connectTimeoutMs ?? 30_000,
      timeoutFor: (hostPort) => origins.get(hostPort)?.maxTimeoutMs ?? (maxTimeoutMs || undefined),
      lookup,
      rejectUnauthorized: tlsVerify,
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
    dispatchers.set(`${tlsVerify}:false`, agent);
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
    dispatcherFor(tlsVerify, follow) {
      const key = `${tlsVerify}:${follow}`;
      let d = dispatchers.get(key);
      if (d) return d;
      const agent = agentFor(tlsVerify);
      d = follow ? agent.compose(interceptors.redirect({ maxRedirections })) : agent;
      dispatchers.set(key, d);
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
