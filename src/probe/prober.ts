import { performance } from 'node:perf_hooks';
import { Agent, type Dispatcher, interceptors, request } from 'undici';
import { parseExpectStatus, type StatusSet } from '../config/expect-status.js';
import { LIMITS } from '../config/limits.js';
import type { ResolvedService } from '../config/resolve.js';
import { splitCredentials } from '../config/uri.js';
import { toError } from '../errors.js';
import type { ErrorClass, ProbeResult } from '../results/types.js';
import { uuidv7 } from '../util/uuidv7.js';
import { readBodyPrefix } from './body.js';
import { classifyError, ProbeAbortedError, ProbeDeadlineError, type ProbePhase } from './classify.js';
import { createTrackingConnector, hostPortKey, type TrackingConnector } from './connector.js';
import { Deadline } from './deadline.js';
import { type BoundedResolverOptions, createBoundedResolver, DnsError } from './dns.js';
import { type CompiledRegex, createRegexMatcher, type RegexMatcherOptions } from './regex-matcher.js';
import type { ProbeOptions, Prober } from './types.js';

export interface ProberOptions {
  /**
   * Connections per origin (scheme://host:port), the config's runner.per_origin; requests beyond it
   * queue, so pools stay bounded. Default 16.
   */
  perOrigin?: number;
  /** How long an idle keep-alive connection is kept, in ms. Default 4000 (undici's). */
  keepAliveTimeoutMs?: number;
  /**
   * The most a connection attempt (TCP + TLS) may take, in ms, whatever the service timeout. An
   * attempt otherwise lasts at most the longest service timeout of its host:port, and is abandoned
   * as soon as no probe of that host:port is in flight. Default 30000.
   */
  connectTimeoutMs?: number;
  /** Largest response header block, in bytes; beyond it the probe fails as `protocol`. Default 16384. */
  maxHeaderSize?: number;
  /** Redirects followed for services with follow_redirects. Default 5. */
  maxRedirections?: number;
  /** DNS servers as 'ip' or 'ip:port'. Default: the system's. */
  dnsServers?: string[];
  /** Further DNS bounds and caching (see BoundedResolverOptions). */
  dns?: Omit<BoundedResolverOptions, 'servers'>;
  /** User-Agent header. Default 'http-monitor-agent'. */
  userAgent?: string;
  /** Where and how long regexes run (regex-matcher.ts); the match budget defaults to 500 ms. */
  regex?: RegexMatcherOptions;
}

/** What a service needs at probe time, computed once per service object (not per probe). */
interface Plan {
  hostname: string;
  /** host:port as the connector counts attempts. */
  hostPort: string;
  /** Shared by every service of this host:port. */
  origin: OriginState;
  status: StatusSet | null;
  regex: CompiledRegex | null;
  /** Set when the service cannot be probed at all (bad regex or status spec). */
  invalid: string | null;
  dispatcher: Dispatcher;
  /** The URL requested (userinfo removed) and the headers (its Basic auth added, if any). */
  requestUrl: string;
  requestHeaders: Record<string, string>;
}

/** What the probes of one host:port share, for ending connection attempts nobody waits for. */
interface OriginState {
  inFlight: number;
  /** The longest service timeout seen here: the most a connection attempt may take. */
  maxTimeoutMs: number;
}

const REDIRECT_STATUSES = new Set([300, 301, 302, 303, 307, 308]);

const noop = () => {};

/**
 * undici only honours an abort once the request is on a socket: while the pool is still
 * connecting (a port that never accepts, a TLS handshake that never ends) it waits for the
 * connect timeout. The probe must not: it leaves at its deadline, and whatever the abandoned
 * request later yields is destroyed so its connection goes back to the pool.
 */
function untilAborted(
  pending: Promise<Dispatcher.ResponseData>,
  signal: AbortSignal,
): Promise<Dispatcher.ResponseData> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      reject(signal.reason);
      pending.then((res) => res.body.destroy(), noop);
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    pending.then(
      (res) => {
        signal.removeEventListener('abort', onAbort);
        resolve(res);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

export function createProber(options: ProberOptions = {}): Prober {
  const resolver = createBoundedResolver({ ...options.dns, servers: options.dnsServers });
  const headers = { 'user-agent': options.userAgent ?? 'http-monitor-agent' };
  const maxRedirections = options.maxRedirections ?? 5;
  const agents: Agent[] = [];
  const trackers: TrackingConnector[] = [];
  const dispatchers = new Map<string, Dispatcher>();
  const regexes = new Map<string, CompiledRegex | string>();
  const matcher = createRegexMatcher(options.regex);
  const plans = new WeakMap<ResolvedService, Plan>();
  // Shared by spec: nearly every service says '200-399', and a bitmap each was ~30 MB at 40,000.
  const statusSets = new Map<string, StatusSet>();
  const shutdownWatchers = new WeakMap<AbortSignal, Set<Deadline>>();
  const origins = new Map<string, OriginState>();
  /** For attempts to a host:port no service names (a redirect's target). */
  let maxTimeoutMs = 0;

  function originFor(hostPort: string, timeoutMs: number): OriginState {
    let o = origins.get(hostPort);
    if (!o) {
      o = { inFlight: 0, maxTimeoutMs: 0 };
      origins.set(hostPort, o);
    }
    o.maxTimeoutMs = Math.max(o.maxTimeoutMs, timeoutMs);
    maxTimeoutMs = Math.max(maxTimeoutMs, timeoutMs);
    return o;
  }

  // One listener per shutdown signal, fanned out to the probes in flight: a listener per probe
  // on the runner's shared signal would be hundreds at once (and Node's leak warning).
  function watchShutdown(signal: AbortSignal, controller: Deadline): () => void {
    if (signal.aborted) {
      controller.abort(new ProbeAbortedError());
      return noop;
    }
    let inFlight = shutdownWatchers.get(signal);
    if (!inFlight) {
      const set = new Set<Deadline>();
      inFlight = set;
      shutdownWatchers.set(signal, set);
      signal.addEventListener(
        'abort',
        () => {
          for (const c of set) c.abort(new ProbeAbortedError());
          set.clear();
        },
        { once: true },
      );
    }
    const set = inFlight;
    set.add(controller);
    return () => set.delete(controller);
  }

  // One Agent per TLS policy (verification is explicit per service, so the lax one exists only
  // if a service asks for it) and a redirect-following view of each: a handful of pools in all,
  // never one per probe.
  function dispatcherFor(tlsVerify: boolean, follow: boolean): Dispatcher {
    const key = `${tlsVerify}:${follow}`;
    let d = dispatchers.get(key);
    if (d) return d;
    let agent = dispatchers.get(`${tlsVerify}:false`) as Agent | undefined;
    if (!agent) {
      const tracker = createTrackingConnector({
        timeout: options.connectTimeoutMs ?? 30_000,
        timeoutFor: (hostPort) => origins.get(hostPort)?.maxTimeoutMs ?? (maxTimeoutMs || undefined),
        lookup: resolver.lookup,
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
    }
    d = follow ? agent.compose(interceptors.redirect({ maxRedirections })) : agent;
    dispatchers.set(key, d);
    return d;
  }

  function compile(source: string): CompiledRegex | string {
    let re = regexes.get(source);
    if (re === undefined) {
      re = matcher.compile(source);
      regexes.set(source, re);
    }
    return re;
  }

  function planFor(s: ResolvedService): Plan {
    let plan = plans.get(s);
    if (plan) return plan;
    let invalid: string | null = null;
    let status: StatusSet | null = null;
    let regex: CompiledRegex | null = null;
    let hostname = '';
    let hostPort = '';
    let origin: OriginState = { inFlight: 0, maxTimeoutMs: s.timeoutMs };
    let requestUrl = s.url;
    let requestHeaders: Record<string, string> = headers;
    try {
      const target = splitCredentials(s.target ?? s.url);
      requestUrl = target.url;
      if (target.authorization) requestHeaders = { ...headers, authorization: target.authorization };
      const u = new URL(s.url);
      hostname = u.hostname.replace(/^\[|\]$/g, '');
      hostPort = hostPortKey(u.hostname, u.port, u.protocol);
      origin = originFor(hostPort, s.timeoutMs);
      status = statusSets.get(s.expectStatus) ?? null;
      if (status === null) {
        status = parseExpectStatus(s.expectStatus);
        statusSets.set(s.expectStatus, status);
      }
    } catch (err) {
      invalid = toError(err).message;
    }
    if (s.checkRegex) {
      const re = s.regex === null ? 'check_regex is on but no regex is set' : compile(s.regex);
      if (typeof re === 'string') invalid ??= re;
      else regex = re;
    }
    plan = {
      hostname,
      hostPort,
      origin,
      status,
      regex,
      invalid,
      dispatcher: dispatcherFor(s.tlsVerify, s.followRedirects),
      requestUrl,
      requestHeaders,
    };
    plans.set(s, plan);
    return plan;
  }

  /** Before headers, say whether this origin was still connecting or in a TLS handshake. */
  function responsePhase(plan: Plan): ProbePhase {
    for (const t of trackers) {
      const stage = t.stageOf(plan.hostPort);
      if (stage === 'tcp') return 'connect';
      if (stage === 'tls') return 'tls';
    }
    return 'response';
  }

  async function probe(service: ResolvedService, opts: ProbeOptions): Promise<ProbeResult> {
    const startedAt = Date.now();
    const t0 = performance.now();
    let statusCode: number | null = null;
    let bytesRead = 0;
    let truncated = false;
    let regexMatched: boolean | null = null;
    let errorClass: ErrorClass | null = null;
    let errorMessage: string | null = null;
    let phase: ProbePhase = 'dns';
    const progress = { bytesRead: 0 };

    // One deadline for everything. A light Deadline + timer rather than AbortSignal.any: the
    // timer is cleared as soon as the probe ends, and nothing accumulates on the long-lived
    // shutdown signal (AbortSignal.any keeps dependants on its sources in Node 20).
    const controller = new Deadline();
    const timer = setTimeout(
      () => controller.abort(new ProbeDeadlineError(service.timeoutMs)),
      service.timeoutMs,
    );
    const unwatch = opts.signal ? watchShutdown(opts.signal, controller) : noop;
    const plan = planFor(service);
    plan.origin.inFlight++;

    try {
      if (plan.invalid !== null) {
        errorClass = 'other';
        errorMessage = `service cannot be probed: ${plan.invalid} (E_CONFIG)`;
      } else {
        // Resolve here, against the deadline, so a slow resolver is reported as `dns`; the
        // connection's own lookup then hits the cache.
        const hit = resolver.cached(plan.hostname);
        if (hit instanceof DnsError) throw hit;
        if (hit === undefined) await resolver.resolve(plan.hostname, controller.signal);
        phase = 'response';
        const pending = request(plan.requestUrl, {
          dispatcher: plan.dispatcher,
          method: service.method,
          headers: plan.requestHeaders,
          signal: controller.signal,
          // undici's per-phase timers default to 300 s; cap them by the probe's deadline too.
          headersTimeout: service.timeoutMs,
          bodyTimeout: service.timeoutMs,
        });
        const res = await untilAborted(pending, controller.signal);
        statusCode = res.statusCode;
        phase = 'body';
        const body = await readBodyPrefix(res.body, service.maxBodyBytes, plan.regex !== null, progress);
        bytesRead = body.bytesRead;
        truncated = body.truncated;
        if (plan.regex !== null && service.method !== 'HEAD') {
          phase = 'regex';
          const m = matcher.test(plan.regex, body.bytes.toString('utf8'), controller.signal);
          regexMatched = typeof m === 'boolean' ? m : await m;
        }
        const location = res.headers['location'];
        if (service.followRedirects && REDIRECT_STATUSES.has(statusCode) && location !== undefined) {
          errorClass = 'redirect';
          errorMessage = `stopped after ${maxRedirections} redirects (a loop or too long a chain); last status ${statusCode} to ${String(location)}`;
        } else if (!plan.status!.has(statusCode)) {
          errorClass = 'http_status';
          errorMessage = `status ${statusCode} is not in the expected set ${plan.status!.spec}`;
        } else if (plan.regex !== null && regexMatched !== true) {
          errorClass = 'regex_mismatch';
          errorMessage =
            service.method === 'HEAD'
              ? 'a HEAD response has no body to match the regex against'
              : `regex ${plan.regex.source} did not match the first ${Math.min(bytesRead, service.maxBodyBytes)} bytes of the body${truncated ? ' (body truncated at the cap)' : ''}`;
        }
      }
    } catch (err) {
      const e = toError(err);
      const reason: unknown = controller.signal.reason;
      // After an abort undici reports whatever it was doing; the reason says what really happened.
      // A DNS error stays a DNS error at the deadline (the resolver says it did not answer), but
      // not at shutdown.
      const cause =
        reason instanceof ProbeAbortedError || (controller.signal.aborted && !(e instanceof DnsError))
          ? toError(reason)
          : e;
      const c = classifyError(cause, phase === 'response' ? responsePhase(plan) : phase);
      bytesRead = progress.bytesRead;
      errorClass = c.errorClass;
      errorMessage = c.message;
    } finally {
      clearTimeout(timer);
      unwatch();
      // The last probe of a host:port out: a connection attempt still running there serves nobody
      // (its request was aborted) and would otherwise live to the connect timeout.
      if (--plan.origin.inFlight === 0) for (const t of trackers) t.abandon(plan.hostPort);
    }

    const durationMs = Math.round(performance.now() - t0);
    return {
      id: uuidv7(startedAt),
      agent: opts.agent,
      serviceKey: service.key,
      url: service.url,
      method: service.method,
      scheduledAt: opts.scheduledAt,
      startedAt,
      finishedAt: startedAt + durationMs,
      durationMs,
      statusCode,
      ok: errorClass === null,
      regexRequired: service.checkRegex,
      regex: service.regex,
      regexMatched,
      errorClass,
      errorMessage,
      bytesRead,
      truncated,
    };
  }

  return {
    probe,
    async close() {
      // destroy, not close: a close would wait for hung requests (a trickling body) to end. undici's
      // destroy leaves a connection attempt in progress running: end those first.
      for (const t of trackers) t.abandonAll();
      await Promise.all([...agents.map((a) => a.destroy()), matcher.close()]);
      resolver.close();
    },
  };
}
