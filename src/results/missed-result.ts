import type { ResolvedService } from '../config/resolve.js';
import { uuidv7 } from '../util/uuidv7.js';
import type { ProbeResult } from './types.js';

/**
 * The result of a slot that did not start before its window ended. `cause` completes "slot not
 * started before its window ended: …". Written by the runner (caps on the main thread, a busy
 * service) and by the probe worker's per-origin gate.
 */
export function missedResult(
  service: ResolvedService,
  scheduledAt: number,
  agent: string,
  cause: string,
  t: number,
): ProbeResult {
  return {
    id: uuidv7(t),
    agent,
    serviceKey: service.key,
    url: service.url,
    method: service.method,
    scheduledAt,
    startedAt: null,
    finishedAt: t,
    durationMs: null,
    statusCode: null,
    ok: false,
    regexRequired: service.checkRegex,
    regex: service.regex,
    regexMatched: null,
    errorClass: 'missed',
    errorMessage: `slot not started before its window ended: ${cause}`,
    bytesRead: 0,
    truncated: false,
  };
}
