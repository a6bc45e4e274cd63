import { performance } from 'node:perf_hooks';
import { type Dispatcher, request } from 'undici';
import { parseExpectStatus, type StatusSet } from '../config/expect-status.js';
import type { ResolvedService } from '../config/resolve.js';
import { splitCredentials } from '../config/uri.js';
import { AbortedError, toError } from '../errors.js';
import { stateFor } from '../results/state.js';
import type { ErrorClass, ProbeResult } from '../results/types.js';
import { UNMEASURED } from '../results/without-response.js';
import { uuidv7 } from '../util/uuidv7.js';
import { readBodyPrefix } from './body.js';
import { classifyError, ProbeDeadlineError, type ProbePhase, SHUTDOWN_ABORT } from './classify.js';
import { hostPortKey } from './connector.js';
import { Deadline, untilAborted } from './deadline.js';
import { type BoundedResolverOptions, createBoundedResolver, DnsError } from './dns.js';
import { createPools, type OriginState } from './pools.js';
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

const REDIRECT_STATUSES = new Set([300, 301, 302, 303, 307, 308]);

const noop = () => {};

export function createProber(options: ProberOptions = {}): Prober {
  const resolver = createBoundedResolver({ ...options.dns, servers: options.dnsServers });
  const headers = { 'user-agent': options.userAgent ?? 'http-monitor-agent' };
  const maxRedirections = options.maxRedirections ?? 5;
  const pools = createPools(options, resolver.lookup);
  const regexes = new Map<string, CompiledRegex | string>();
  const matcher = createRegexMatcher(options.regex);
  const plans = new WeakMap<ResolvedService, Plan>();
  // Shared by spec: nearly every service says '200-399', and a bitmap each was ~30 MB at 40,000.
  const statusSets = new Map<string, StatusSet>();
  const shutdownWatchers = new WeakMap<AbortSignal, Set<Deadline>>();
  // One listener per shutdown signal, fanned out to the probes in flight: a listener per probe
  // on the runner's shared signal would be hundreds at once (and Node's leak warning).
  function watchShutdown(signal: AbortSignal, controller: Deadline): () => void {
    if (signal.aborted) {
      controller.abort(new AbortedError(SHUTDOWN_ABORT));
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
          for (const c of set) c.abort(new AbortedError(SHUTDOWN_ABORT));
          set.clear();
        },
        { once: true },
      );
    }
    const set = inFlight;
    set.add(controller);
    return () => set.delete(controller);
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
      origin = pools.originFor(hostPort, s.timeoutMs);
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
      dispatcher: pools.dispatcherFor(s.tlsVerify, s.followRedirects),
      requestUrl,
      requestHeaders,
    };
    plans.set(s, plan);
    return plan;
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
        reason instanceof AbortedError || (controller.signal.aborted && !(e instanceof DnsError))
          ? toError(reason)
          : e;
      const c = classifyError(cause, phase === 'response' ? pools.responsePhase(plan.hostPort) : phase);
      bytesRead = progress.bytesRead;
      errorClass = c.errorClass;
      errorMessage = c.message;
    } finally {
      clearTimeout(timer);
      unwatch();
      // The last probe of a host:port out: a connection attempt still running there serves nobody
      // (its request was aborted) and would otherwise live to the connect timeout.
      if (--plan.origin.inFlight === 0) pools.abandon(plan.hostPort);
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
      state: stateFor(errorClass, false),
      // Not measured by this prober yet (no conditions, phase times or TLS facts): all null.
      ...UNMEASURED,
    };
  }

  return {
    probe,
    async close() {
      await Promise.all([pools.destroy(), matcher.close()]);
      resolver.close();
    },
  };
}
