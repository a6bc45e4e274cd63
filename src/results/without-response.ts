import type { ResolvedService } from '../config/resolve.js';
import { uuidv7 } from '../util/uuidv7.js';
import { stateFor } from './state.js';
import type { ErrorClass, ProbeResult } from './types.js';

/** The fields of a result that nothing measured: no connection, no TLS, no condition evaluated. */
export type Unmeasured = Pick<
  ProbeResult,
  | 'conditions'
  | 'resolvedIp'
  | 'dnsMs'
  | 'connectMs'
  | 'tlsMs'
  | 'ttfbMs'
  | 'transferMs'
  | 'tlsVersion'
  | 'certIssuer'
  | 'certExpiresAt'
  | 'certChainExpiresAt'
>;

/** Spread into a result that has them: every field null. */
export const UNMEASURED: Readonly<Unmeasured> = Object.freeze({
  conditions: null,
  resolvedIp: null,
  dnsMs: null,
  connectMs: null,
  tlsMs: null,
  ttfbMs: null,
  transferMs: null,
  tlsVersion: null,
  certIssuer: null,
  certExpiresAt: null,
  certChainExpiresAt: null,
});

/**
 * A result with no HTTP response behind it: a slot that never started (`missed`), or a probe that
 * failed outside the prober (a dead worker, a bug). `startedAt` null means it never started.
 * Its state is 'unknown' for `missed` (nothing was probed), else 'down'.
 */
export function resultWithoutResponse(
  service: ResolvedService,
  scheduledAt: number,
  agent: string,
  t: number,
  startedAt: number | null,
  errorClass: ErrorClass,
  errorMessage: string,
): ProbeResult {
  return {
    id: uuidv7(t),
    agent,
    serviceKey: service.key,
    url: service.url,
    method: service.method,
    scheduledAt,
    startedAt,
    finishedAt: t,
    durationMs: startedAt === null ? null : t - startedAt,
    statusCode: null,
    ok: false,
    regexRequired: service.checkRegex,
    regex: service.regex,
    regexMatched: null,
    errorClass,
    errorMessage,
    bytesRead: 0,
    truncated: false,
    state: stateFor(errorClass, false),
    ...UNMEASURED,
  };
}

/**
 * A slot that did not start before its window ended. `cause` completes "slot not started before
 * its window ended: …". Written by the runner (a busy service, its caps) and by the probe
 * worker's request gate.
 */
export function missedResult(
  service: ResolvedService,
  scheduledAt: number,
  agent: string,
  cause: string,
  t: number,
): ProbeResult {
  return resultWithoutResponse(
    service,
    scheduledAt,
    agent,
    t,
    null,
    'missed',
    `slot not started before its window ended: ${cause}`,
  );
}
