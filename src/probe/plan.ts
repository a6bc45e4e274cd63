import { readFileSync, statSync } from 'node:fs';
import type { Dispatcher } from 'undici';
import {
  type Condition,
  conditionsUsedPlaceholders,
  regexCondition,
  statusCondition,
} from '../config/conditions.js';
import { expandEnvRefs } from '../config/env-refs.js';
import { parseExpectStatus, type StatusSet } from '../config/expect-status.js';
import { judgesStatus } from '../config/implied-conditions.js';
import type { ResolvedService } from '../config/resolve.js';
import { splitCredentials } from '../config/uri.js';
import { toError } from '../errors.js';
import { registerSecret } from '../log/secrets.js';
import { hostPortKey } from './connector.js';
import type { OriginState, Pools, TlsProfile } from './pools.js';
import type { CompiledRegex } from './regex-matcher.js';

/** A condition of a service, with what its failure means. */
export interface PlannedCondition {
  condition: Condition;
  /** A `degraded_when` condition: its failure makes the result degraded, not down. */
  degrades: boolean;
  /** Its failure as an error class: a `[CERT_EXPIRY]` condition is `cert_expiring`. */
  failsAs: 'cert_expiring' | 'condition';
}

/** What a service needs at probe time, computed once per service object (not per probe). */
export interface Plan {
  hostname: string;
  /** host:port as the connector counts attempts. */
  hostPort: string;
  /** Shared by every service of this host:port. */
  origin: OriginState;
  /** The expect_status set, or null when the service's own conditions judge [STATUS]. */
  status: StatusSet | null;
  /** What `status` means as a condition, for the result's list. */
  statusSource: string | null;
  regex: CompiledRegex | null;
  regexSource: string | null;
  conditions: PlannedCondition[];
  /** Whether the body must be kept (a regex or a [BODY] condition reads it). */
  keepBody: boolean;
  /** Set when the service cannot be probed at all (bad regex, status spec, file, variable). */
  invalid: string | null;
  dispatcher: Dispatcher;
  /** The URL requested (userinfo removed) and the headers (auth, content type, user agent). */
  requestUrl: string;
  requestHeaders: Record<string, string>;
  requestBody: string | Buffer | null;
}

export interface PlanContext {
  pools: Pools;
  /** The base headers every request carries (User-Agent). */
  headers: Record<string, string>;
  /** Where `${NAME}` references are looked up: the daemon's environment and its env_file. */
  env: Readonly<Record<string, string | undefined>>;
  compile(source: string): CompiledRegex | string;
  /** Shared by spec: nearly every service says '200-399', and a bitmap each was ~30 MB at 40,000. */
  statusSets: Map<string, StatusSet>;
}

const mtime = (path: string | null): string => (path === null ? '' : String(statSync(path).mtimeMs));

/** The request a service sends: URL, headers with its secrets expanded, body. */
function requestOf(
  s: ResolvedService,
  ctx: PlanContext,
): Pick<Plan, 'requestUrl' | 'requestHeaders' | 'requestBody'> {
  const expand = (text: string) => {
    const value = expandEnvRefs(text, ctx.env);
    // What came from the environment is a secret wherever it may end up (logs, messages).
    if (value !== text) registerSecret(value);
    return value;
  };
  const target = splitCredentials(s.target ?? s.url);
  const headers: Record<string, string> = { ...ctx.headers };
  for (const [name, value] of Object.entries(s.headers)) headers[name.toLowerCase()] = expand(value);
  let authorization = target.authorization;
  if (s.basicAuth !== null)
    authorization = `Basic ${Buffer.from(expand(s.basicAuth), 'utf8').toString('base64')}`;
  if (s.bearer !== null) authorization = `Bearer ${expand(s.bearer)}`;
  if (authorization !== null) {
    registerSecret(authorization);
    headers['authorization'] = authorization;
  }
  // undici takes the TLS server name (SNI) from the Host header.
  if (s.serverName !== null) headers['host'] = s.serverName;
  let body: string | Buffer | null = null;
  if (s.body !== null) body = expand(s.body);
  else if (s.bodyFile !== null) body = readFileSync(expand(s.bodyFile));
  if (body !== null && s.contentType !== null) headers['content-type'] = s.contentType;
  return {
    requestUrl: target.url,
    requestHeaders: headers,
    requestBody: body,
  };
}

function conditionsOf(s: ResolvedService): PlannedCondition[] {
  const plan = (condition: Condition, degrades: boolean): PlannedCondition => ({
    condition,
    degrades,
    failsAs: conditionsUsedPlaceholders(condition).has('CERT_EXPIRY') ? 'cert_expiring' : 'condition',
  });
  return [...s.conditions.map((c) => plan(c, false)), ...s.degradedWhen.map((c) => plan(c, true))];
}

/**
 * The plan of a service. Never throws: what makes the service unprobeable is `invalid`, and the
 * probe reports it as a result instead of sending a request. Files (body, certificates) are read
 * here, synchronously, once per service object, i.e. once per start or reload: small, and not
 * worth an await on every probe.
 */
export function makePlan(s: ResolvedService, ctx: PlanContext): Plan {
  const conditions = conditionsOf(s);
  const plan: Plan = {
    hostname: '',
    hostPort: '',
    origin: { inFlight: 0, maxTimeoutMs: s.timeoutMs },
    status: null,
    statusSource: null,
    regex: null,
    regexSource: null,
    conditions,
    keepBody: conditions.some((c) => conditionsUsedPlaceholders(c.condition).has('BODY')),
    invalid: null,
    dispatcher: undefined as unknown as Dispatcher,
    requestUrl: s.url,
    requestHeaders: ctx.headers,
    requestBody: null,
  };
  try {
    const u = new URL(s.url);
    plan.hostname = u.hostname.replace(/^\[|\]$/g, '');
    plan.hostPort = hostPortKey(u.hostname, u.port, u.protocol);
    plan.origin = ctx.pools.originFor(plan.hostPort, s.timeoutMs);
    // A service whose own conditions test [STATUS] is judged by them alone (expect_status's
    // default 200-399 would otherwise make `[STATUS] == 404` impossible).
    if (!judgesStatus(s.conditions)) {
      let status = ctx.statusSets.get(s.expectStatus);
      if (status === undefined) {
        status = parseExpectStatus(s.expectStatus);
        ctx.statusSets.set(s.expectStatus, status);
      }
      plan.status = status;
      plan.statusSource = statusCondition(s.expectStatus).source;
    }
    Object.assign(plan, requestOf(s, ctx));
    // readConfig made every path absolute except those that start with a `${NAME}`.
    const path = (p: string | null) => (p === null ? null : expandEnvRefs(p, ctx.env));
    const [caFile, certFile, keyFile] = [path(s.caFile), path(s.clientCert), path(s.clientKey)];
    const tls: TlsProfile = {
      verify: s.tlsVerify,
      caFile,
      certFile,
      keyFile,
      version: `${mtime(caFile)}|${mtime(certFile)}|${mtime(keyFile)}`,
    };
    plan.dispatcher = ctx.pools.dispatcherFor(tls, s.followRedirects);
  } catch (err) {
    plan.invalid = toError(err).message;
  }
  if (s.checkRegex) {
    const re = s.regex === null ? 'check_regex is on but no regex is set' : ctx.compile(s.regex);
    if (typeof re === 'string') plan.invalid ??= re;
    else {
      plan.regex = re;
      plan.regexSource = regexCondition(re.source).source;
      plan.keepBody = true;
    }
  }
  return plan;
}
