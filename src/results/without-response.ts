import type { ResolvedService } from '../config/resolve.js';
import { uuidv7 } from '../util/uuidv7.js';
import type { ErrorClass, ProbeResult } from './types.js';

/**
 * A result with no HTTP response behind it: a slot that never started (`missed`), or a probe that
 * failed outside the prober (a dead worker, a bug). `startedAt` null means it never started.
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
