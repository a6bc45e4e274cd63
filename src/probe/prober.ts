import { performance } from 'node:perf_hooks';
import type { StatusSet } from '../config/expect-status.js';
import type { ResolvedService } from '../config/resolve.js';
import { AbortedError, toError } from '../errors.js';
import { isOkState, stateFor } from '../results/state.js';
import type { ProbeResult } from '../results/types.js';
import { uuidv7 } from '../util/uuidv7.js';
import { classifyError, ProbeDeadlineError } from './classify.js';
import { Deadline } from './deadline.js';
import { type BoundedResolverOptions, createBoundedResolver, DnsError } from './dns.js';
import { exchange, type ProberParts, type Run } from './exchange.js';
import { phasesOf } from './phases.js';
import { makePlan, type Plan, type PlanContext } from './plan.js';
import { createPools } from './pools.js';
import { type CompiledRegex, createRegexMatcher, type RegexMatcherOptions } from './regex-matcher.js';
import { ShutdownFanout } from './shutdown-fanout.js';
import { retainTracing } from './trace.js';
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
  /**
   * Where the `${NAME}` references of services (headers, auth, body) are looked up: the daemon
   * passes its environment merged with the config's env_file. Default: process.env.
   */
  env?: Readonly<Record<string, string | undefined>>;
}

const noop = () => {};

export function createProber(options: ProberOptions = {}): Prober {
  const resolver = createBoundedResolver({ ...options.dns, servers: options.dnsServers });
  const pools = createPools(options, resolver.lookup);
  const matcher = createRegexMatcher(options.regex);
  const regexes = new Map<string, CompiledRegex | string>();
  const parts: ProberParts = {
    resolver,
    pools,
    matcher,
    maxRedirections: options.maxRedirections ?? 5,
    compile(source: string, flags = '') {
      const key = flags === '' ? source : `/${source}/${flags}`;
      let re = regexes.get(key);
      if (re === undefined) {
        re = matcher.compile(source, flags);
        regexes.set(key, re);
      }
      return re;
    },
  };
  const planContext: PlanContext = {
    pools,
    headers: { 'user-agent': options.userAgent ?? 'http-monitor-agent' },
    env: options.env ?? process.env,
    compile: (source) => parts.compile(source),
    statusSets: new Map<string, StatusSet>(),
  };
  const plans = new WeakMap<ResolvedService, Plan>();
  const shutdown = new ShutdownFanout();
  const releaseTracing = retainTracing();

  function planFor(s: ResolvedService): Plan {
    let plan = plans.get(s);
    if (!plan) {
      plan = makePlan(s, planContext);
      plans.set(s, plan);
    }
    return plan;
  }

  async function probe(service: ResolvedService, opts: ProbeOptions): Promise<ProbeResult> {
    const startedAt = Date.now();
    const t0 = performance.now();
    const run: Run = {
      phase: 'dns',
      marks: { t0, dnsMs: null, requestAt: null, headersAt: null, bodyEndAt: null },
      trace: { sentAt: null, socket: null },
      progress: { bytesRead: 0 },
      statusCode: null,
      bytesRead: 0,
      truncated: false,
      regexMatched: null,
      errorClass: null,
      errorMessage: null,
      state: null,
      conditions: null,
    };
    // One deadline for everything. A light Deadline + timer rather than AbortSignal.any: the
    // timer is cleared as soon as the probe ends, and nothing accumulates on the long-lived
    // shutdown signal (AbortSignal.any keeps dependants on its sources in Node 20).
    const controller = new Deadline();
    const timer = setTimeout(
      () => controller.abort(new ProbeDeadlineError(service.timeoutMs)),
      service.timeoutMs,
    );
    const unwatch = opts.signal ? shutdown.watch(opts.signal, controller) : noop;
    const plan = planFor(service);
    plan.origin.inFlight++;

    try {
      if (plan.invalid !== null) {
        run.errorClass = 'other';
        run.errorMessage = `service cannot be probed: ${plan.invalid} (E_CONFIG)`;
      } else await exchange(parts, service, plan, run, controller);
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
      const c = classifyError(
        cause,
        run.phase === 'response' ? pools.responsePhase(plan.hostPort) : run.phase,
      );
      run.bytesRead = run.progress.bytesRead;
      run.errorClass = c.errorClass;
      run.errorMessage = c.message;
      run.state = null;
    } finally {
      clearTimeout(timer);
      unwatch();
      // The last probe of a host:port out: a connection attempt still running there serves nobody
      // (its request was aborted) and would otherwise live to the connect timeout.
      if (--plan.origin.inFlight === 0) pools.abandon(plan.hostPort);
    }
    return resultOf(service, opts, run, startedAt);
  }

  return {
    probe,
    async close() {
      releaseTracing();
      await Promise.all([pools.destroy(), matcher.close()]);
      resolver.close();
    },
  };
}

function resultOf(service: ResolvedService, opts: ProbeOptions, run: Run, startedAt: number): ProbeResult {
  const durationMs = Math.round(performance.now() - run.marks.t0);
  const phases = phasesOf(run.marks, run.trace);
  const state = run.state ?? stateFor(run.errorClass, false);
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
    statusCode: run.statusCode,
    ok: isOkState(state),
    regexRequired: service.checkRegex,
    regex: service.regex,
    regexMatched: run.regexMatched,
    errorClass: run.errorClass,
    errorMessage: run.errorMessage,
    bytesRead: run.bytesRead,
    truncated: run.truncated,
    state,
    conditions: run.conditions,
    resolvedIp: phases.ip,
    dnsMs: phases.dnsMs,
    connectMs: phases.connectMs,
    tlsMs: phases.tlsMs,
    ttfbMs: phases.ttfbMs,
    transferMs: phases.transferMs,
    tlsVersion: phases.tls?.version ?? null,
    certIssuer: phases.tls?.issuer ?? null,
    certExpiresAt: phases.tls?.leafExpiresAt ?? null,
    certChainExpiresAt: phases.tls?.chainExpiresAt ?? null,
  };
}
