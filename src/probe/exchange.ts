import { performance } from 'node:perf_hooks';
import { request } from 'undici';
import type { ResolvedService } from '../config/resolve.js';
import type { ConditionOutcome, ErrorClass, ProbeState } from '../results/types.js';
import { untilAborted } from '../util/until-aborted.js';
import { readBodyPrefix } from './body.js';
import type { ProbePhase } from './classify.js';
import type { Observation } from './conditions.js';
import type { Deadline } from './deadline.js';
import { type createBoundedResolver, DnsError } from './dns.js';
import { type Marks, phasesOf } from './phases.js';
import type { Plan } from './plan.js';
import type { createPools } from './pools.js';
import type { CompiledRegex, createRegexMatcher } from './regex-matcher.js';
import { type ProbeTrace, traced } from './trace.js';
import { evaluateConditions, judge } from './verdict.js';

const REDIRECT_STATUSES = new Set([300, 301, 302, 303, 307, 308]);

/** What one probe has found so far; the catch block reports from it. */
export interface Run {
  phase: ProbePhase;
  marks: Marks;
  trace: ProbeTrace;
  progress: { bytesRead: number };
  statusCode: number | null;
  bytesRead: number;
  truncated: boolean;
  regexMatched: boolean | null;
  errorClass: ErrorClass | null;
  errorMessage: string | null;
  state: ProbeState | null;
  conditions: ConditionOutcome[] | null;
}

export interface ProberParts {
  resolver: ReturnType<typeof createBoundedResolver>;
  pools: ReturnType<typeof createPools>;
  matcher: ReturnType<typeof createRegexMatcher>;
  compile(source: string, flags?: string): CompiledRegex | string;
  maxRedirections: number;
}

/** The request, the response and its verdict; throws what undici or the deadline throw. */
export async function exchange(
  p: ProberParts,
  s: ResolvedService,
  plan: Plan,
  run: Run,
  controller: Deadline,
) {
  // Resolve here, against the deadline, so a slow resolver is reported as `dns`; the
  // connection's own lookup then hits the cache.
  const hit = p.resolver.cached(plan.hostname);
  if (hit instanceof DnsError) throw hit;
  if (hit === undefined) {
    const before = performance.now();
    await p.resolver.resolve(plan.hostname, controller.signal);
    run.marks.dnsMs = performance.now() - before;
  }
  run.phase = 'response';
  run.marks.requestAt = performance.now();
  const pending = traced(run.trace, () =>
    request(plan.requestUrl, {
      dispatcher: plan.dispatcher,
      method: s.method,
      headers: plan.requestHeaders,
      body: plan.requestBody,
      signal: controller.signal,
      // undici's per-phase timers default to 300 s; cap them by the probe's deadline too.
      headersTimeout: s.timeoutMs,
      bodyTimeout: s.timeoutMs,
    }),
  );
  const res = await untilAborted(pending, controller.signal);
  run.marks.headersAt = performance.now();
  const statusCode = res.statusCode;
  run.statusCode = statusCode;
  run.phase = 'body';
  const body = await readBodyPrefix(res.body, s.maxBodyBytes, plan.keepBody, run.progress);
  run.marks.bodyEndAt = performance.now();
  run.bytesRead = body.bytesRead;
  run.truncated = body.truncated;
  const text = plan.keepBody && s.method !== 'HEAD' ? body.bytes.toString('utf8') : null;
  let regexFailure: string | null = null;
  if (plan.regex !== null) {
    if (text !== null) {
      run.phase = 'regex';
      const m = p.matcher.test(plan.regex, text, controller.signal);
      run.regexMatched = typeof m === 'boolean' ? m : await m;
    }
    if (run.regexMatched !== true)
      regexFailure =
        s.method === 'HEAD'
          ? 'a HEAD response has no body to match the regex against'
          : `regex ${plan.regex.source} did not match the first ${Math.min(run.bytesRead, s.maxBodyBytes)} bytes of the body${run.truncated ? ' (body truncated at the cap)' : ''}`;
  }
  const location = res.headers['location'];
  const redirectFailure =
    s.followRedirects && REDIRECT_STATUSES.has(statusCode) && location !== undefined
      ? `stopped after ${p.maxRedirections} redirects (a loop or too long a chain); last status ${statusCode} to ${String(location)}`
      : null;
  let own: ConditionOutcome[] = [];
  if (plan.conditions.length > 0) {
    run.phase = 'regex';
    const phases = phasesOf(run.marks, run.trace);
    const observation: Observation = {
      status: statusCode,
      responseTimeMs: Math.round(performance.now() - run.marks.t0),
      dnsMs: phases.dnsMs,
      connectMs: phases.connectMs,
      tlsMs: phases.tlsMs,
      ttfbMs: phases.ttfbMs,
      transferMs: phases.transferMs,
      body: text,
      headers: res.headers,
      certExpiresAt: phases.tls?.chainExpiresAt ?? null,
      certIssuer: phases.tls?.issuer ?? null,
      ip: phases.ip,
      bytesRead: run.bytesRead,
      now: Date.now(),
    };
    const regexTest = (source: string, flags: string, subject: string) => {
      const re = p.compile(source, flags);
      if (typeof re === 'string') return false;
      return p.matcher.test(re, subject, controller.signal);
    };
    const outcomes = evaluateConditions(plan, observation, regexTest);
    own = outcomes instanceof Promise ? await outcomes : outcomes;
  }
  const verdict = judge(
    plan,
    { statusCode, regexMatched: run.regexMatched, redirectFailure, regexFailure },
    own,
  );
  run.conditions = verdict.conditions;
  run.errorClass = verdict.errorClass;
  run.errorMessage = verdict.errorMessage;
  run.state = verdict.state;
}
